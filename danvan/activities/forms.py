"""Forms of the activities pages. Choices list only rows the user may see (through the selectors); the
services check the permission for the exact place."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from danvan.activities import selectors
from danvan.activities.models import (
    CadreRole,
    CourseKind,
    Level,
    MeetingKind,
    ParticipantResult,
)
from danvan.activities.periods import Period, PeriodKind
from danvan.core.forms import StyledForm
from danvan.structure import selectors as structure_selectors
from danvan.structure.forms import (
    ScopedChoiceField,
    branch_label,
    organisation_label,
    unit_label,
    validate_phone,
)
from danvan.structure.models import OrgType, UnitLevel

TEXTAREA = {"rows": 3}


def cadre_label(cadre) -> str:
    org = cadre.organisation.name if cadre.organisation_id else ""
    position = f", {cadre.position}" if cadre.position else ""
    return f"{cadre.full_name}{position} — {org}"


class CadreForm(StyledForm):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    organisation = ScopedChoiceField(label=_("Organisation"), label_from=organisation_label)
    role = forms.ChoiceField(label=_("Role"), choices=CadreRole.choices, initial=CadreRole.OFFICER)
    position = forms.CharField(
        label=_("Position"), max_length=200, required=False, help_text=_("e.g. Phó Chủ tịch Hội LHPN xã")
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("Reminders are sent here when the cadre falls behind.")
    )
    user = forms.ModelChoiceField(
        label=_("Account"),
        queryset=None,
        required=False,
        help_text=_("Optional: the cadre's account, if they have one (they then see their own quota)."),
    )
    active_from = forms.DateField(label=_("In post from"), required=False)
    active_until = forms.DateField(label=_("In post until"), required=False)

    def __init__(self, *args, actor, with_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["organisation"].limit(
            structure_selectors.organisation_choices(actor=actor),
            reverse("structure:organisation-choices"),
        )
        self.fields["user"].queryset = selectors.linkable_accounts(
            actor=actor, perm="activities.change_cadre" if with_status else "activities.add_cadre"
        )
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.full_name} ({u.username})" if u.full_name else u.username
        )
        if not with_status:  # a new cadre: the day they took up the post starts their quota
            self.fields["active_from"].required = True
            self.fields["active_from"].initial = timezone.localdate()
            self.fields["active_from"].help_text = _(
                "Their quota counts from this day. For a cadre already in post, the day they took it up."
            )
        self.fields["user"].widget.attrs["class"] = "form-select form-select-sm"
        if with_status:
            self.fields["is_active"] = forms.BooleanField(label=_("Active"), required=False, initial=True)
            self.fields["is_active"].widget.attrs["class"] = "form-check-input"


class MeetingForm(StyledForm):
    branch = ScopedChoiceField(label=_("Branch"), label_from=branch_label)
    held_on = forms.DateField(label=_("Date"))
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices, initial=MeetingKind.REGULAR)
    topics = forms.CharField(label=_("Topics"), widget=forms.Textarea(attrs=TEXTAREA), required=False)
    members_present = forms.IntegerField(label=_("Members present"), min_value=0, required=False)
    members_total = forms.IntegerField(label=_("Members in the branch"), min_value=0, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs=TEXTAREA), required=False)

    def __init__(self, *args, actor, fixed_branch=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_branch is not None:
            del self.fields["branch"]
        else:
            self.fields["branch"].limit(
                structure_selectors.branch_choices(actor=actor), reverse("activities:branch-choices")
            )
        self.fields["held_on"].initial = timezone.localdate()


class AttendanceForm(StyledForm):
    cadre = ScopedChoiceField(label=_("Cadre"), label_from=cadre_label)
    contribution = forms.CharField(
        label=_("Contribution"),
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
        help_text=_("What the cadre said, explained or guided at the meeting."),
    )
    undertakings = forms.CharField(
        label=_("Undertook to solve"),
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
        help_text=_("The problems the cadre undertook to solve or pass on."),
    )

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting is None:
            del self.fields["cadre"]
        else:
            self.fields["cadre"].limit(
                selectors.cadres_for_meeting(meeting=meeting),
                reverse("activities:cadre-choices") + f"?meeting={meeting.pk}",
            )


class IssueForm(StyledForm):
    summary = forms.CharField(label=_("Issue"), max_length=500)
    details = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs=TEXTAREA), required=False)
    raised_by = forms.CharField(label=_("Raised by"), max_length=200, required=False)


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs=TEXTAREA))


class QuotaRuleForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=255)
    reference = forms.CharField(
        label=_("Legal basis"),
        max_length=255,
        required=False,
        help_text=_("e.g. Quy định số 784-QĐ/TU ngày 10/5/2016"),
    )
    unit = ScopedChoiceField(label=_("Applies in"), label_from=unit_label)
    org_type = forms.ModelChoiceField(
        label=_("Organisation type"),
        queryset=OrgType.objects.filter(is_active=True),
        required=False,
        empty_label=_("Every organisation"),
    )
    level = forms.ChoiceField(
        label=_("Cadres' level"), choices=[("", _("Every level")), *Level.choices], required=False
    )
    role = forms.ChoiceField(
        label=_("Cadres' role"), choices=[("", _("Every role")), *CadreRole.choices], required=False
    )
    meetings_required = forms.IntegerField(label=_("Meetings to attend"), min_value=1, max_value=999)
    period = forms.ChoiceField(label=_("Per"), choices=PeriodKind.choices, initial=PeriodKind.QUARTER)
    valid_from = forms.DateField(label=_("Valid from"))
    valid_to = forms.DateField(label=_("Valid until"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs=TEXTAREA), required=False)

    def __init__(self, *args, actor, fixed_unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_unit is not None:
            del self.fields["unit"]
        else:
            self.fields["unit"].limit(
                structure_selectors.unit_choices(
                    actor=actor, levels=[UnitLevel.PROVINCE, UnitLevel.COMMUNE], action="view"
                ),
                reverse("structure:unit-choices") + "?levels=province,commune",
            )


class CourseForm(StyledForm):
    title = forms.CharField(label=_("Topic"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    organiser = ScopedChoiceField(label=_("Organiser"), label_from=organisation_label)
    starts_on = forms.DateField(label=_("From"))
    ends_on = forms.DateField(label=_("To"))
    hours = forms.DecimalField(label=_("Hours"), min_value=0.5, max_digits=6, decimal_places=1)
    location = forms.CharField(label=_("Location"), max_length=255, required=False)
    description = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs=TEXTAREA), required=False)

    def __init__(self, *args, actor, fixed_organiser=False, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_organiser:
            del self.fields["organiser"]
        else:
            self.fields["organiser"].limit(
                structure_selectors.organisation_choices(actor=actor),
                reverse("structure:organisation-choices"),
            )


class ParticipantForm(StyledForm):
    cadre = ScopedChoiceField(label=_("Registered cadre"), label_from=cadre_label, required=False)
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        help_text=_("When the participant is not a registered cadre."),
    )
    organisation = ScopedChoiceField(label=_("Organisation"), label_from=organisation_label, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    attended = forms.BooleanField(label=_("Attended"), required=False, initial=True)
    hours_attended = forms.DecimalField(
        label=_("Hours attended"),
        min_value=0,
        max_digits=6,
        decimal_places=1,
        required=False,
        help_text=_("Empty: the whole course."),
    )
    result = forms.ChoiceField(label=_("Result"), choices=ParticipantResult.choices, required=False)
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=50, required=False)

    def __init__(self, *args, actor, course=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if course is not None and course.starts_on > timezone.localdate():
            self.fields["attended"].initial = False  # registered in advance: attended once it has begun
        if editing:
            for name in ("cadre", "full_name", "organisation", "position"):
                del self.fields[name]
            return
        self.fields["cadre"].limit(
            selectors.cadres_visible(actor=actor).filter(is_active=True).order_by("full_name"),
            reverse("activities:cadre-choices"),
        )
        self.fields["organisation"].limit(
            structure_selectors.organisation_choices(actor=actor), reverse("structure:organisation-choices")
        )

    def clean(self):
        data = super().clean()
        if "cadre" in self.fields and not data.get("cadre") and not data.get("full_name"):
            self.add_error("full_name", _("Choose a registered cadre or write the participant's name."))
        return data


# --- compliance ----------------------------------------------------------------------------------


class ComplianceForm(StyledForm):
    """The period, unit and organisation type of a compliance page (GET)."""

    period = forms.ChoiceField(label=_("Period"))
    unit = forms.ChoiceField(label=_("Unit"))
    org_type = forms.ModelChoiceField(
        label=_("Organisation type"),
        queryset=OrgType.objects.filter(is_active=True),
        required=False,
        empty_label=_("All organisations"),
    )

    def __init__(self, *args, actor, periods: list[Period], units, with_threshold: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p.code, p.label.capitalize()) for p in periods]
        self.fields["unit"].choices = [(str(u.pk), unit_label(u)) for u in units]
        if with_threshold:
            self.fields["threshold"] = forms.IntegerField(
                label=_("Below (% of quota)"), min_value=1, max_value=100, required=False, initial=90
            )
            self.fields["threshold"].widget.attrs["class"] = "form-control form-control-sm"
