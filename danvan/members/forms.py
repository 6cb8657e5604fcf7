"""Forms of the members pages. Choices list only what the user may use (selectors over ``visible_to``); the
services check the permission at the exact place and every business rule."""

from __future__ import annotations

import copy
from functools import partial
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from danvan.core.forms import StyledForm, style_fields
from danvan.members import reference, selectors
from danvan.members.models import LEAVE_REASONS, Education, Person, Sex
from danvan.members.services import PersonData
from danvan.structure.forms import ScopedChoiceField, branch_place_label, unit_label


def branch_choices_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("members:branch-choices") + (f"?{query}" if query else "")


CHOOSE = _("— choose —")


class FastSelect(forms.Select):
    """A select rendered in Python: the same HTML as Django's, without one template render per option (the
    member list's filters have a few hundred options, which the template engine took ~50 ms to render)."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html, format_html_join
        from django.utils.safestring import mark_safe

        attrs = self.build_attrs(self.attrs, attrs)
        attrs["name"] = name
        selected = {
            str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v not in (None, "")
        }
        if not selected:
            selected = {""}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(v), mark_safe(" selected") if str(v) in selected else "", label)
                for v, label in self._plain_choices()
            ),
        )
        attr_html = format_html_join(
            "", ' {}="{}"', ((k, v) for k, v in attrs.items() if v not in (None, False))
        )
        return format_html("<select{}>{}</select>", attr_html, options)

    def _plain_choices(self):
        for value, label in self.choices:
            if isinstance(label, (list, tuple)):  # an optgroup: flatten
                yield from label
            else:
                yield (getattr(value, "value", value), label)


def _blank_first(choices, label=CHOOSE):
    return [("", label), *choices]


class PersonForm(StyledForm):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    birth_date = forms.DateField(label=_("Date of birth"), required=False)
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        required=False,
        min_value=1900,
        help_text=_("Only when the exact date of birth is not known."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=_blank_first(Sex.choices))
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), initial=reference.KINH)
    religion = forms.ChoiceField(label=_("Religion"), initial=reference.NO_RELIGION)
    citizen_id = forms.CharField(
        label=_("Citizen ID"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_(
            "12 digits. Checked against the sex, the year of birth and the province of birth registration."
        ),
    )
    birth_province = forms.ChoiceField(label=_("Province where the birth was registered"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    unit = ScopedChoiceField(
        label=_("Place of residence"),
        label_from=unit_label,
        help_text=_("The village (or commune) where the person lives."),
    )
    address = forms.CharField(label=_("Street address"), max_length=255, required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=120, required=False)
    education = forms.ChoiceField(
        label=_("Education"), choices=_blank_first(Education.choices, "—"), required=False
    )
    veteran = forms.BooleanField(label=_("Veteran"), required=False)
    notes = forms.CharField(
        label=_("Notes on the person"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, actor, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ethnicity"].choices = reference.ethnicity_choices()
        self.fields["religion"].choices = reference.religion_choices()
        self.fields["birth_province"].choices = _blank_first(reference.legacy_province_choices(), "—")
        from danvan.structure.forms import choices_url

        self.fields["unit"].limit(
            selectors.residence_choices(actor=actor, current=person.unit_id if person is not None else None),
            choices_url("unit", levels="commune,village"),
        )
        self.person = person
        if person is not None:
            self.fields["citizen_id"].help_text = (
                _("Stored: %(masked)s. Leave empty to keep it; type a new number to replace it.")
                % {"masked": person.citizen_id_masked}
                if person.citizen_id_last3
                else self.fields["citizen_id"].help_text
            )
            if person.citizen_id_last3:
                self.fields["clear_citizen_id"] = forms.BooleanField(
                    label=_("Remove the citizen ID"), required=False
                )
                self.fields["clear_citizen_id"].widget.attrs["class"] = "form-check-input"
            # a corrected date of birth (sex, veteran status) may put a membership outside its organisation's
            # rules: as when joining, an officer may keep it by giving the reason (``services.person_update``)
            self.fields["override_reason"] = copy.deepcopy(JoinFields.base_fields["override_reason"])
            style_fields({"override_reason": self.fields["override_reason"]})

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return value

    def to_data(self) -> PersonData:
        d = self.cleaned_data
        return PersonData(
            full_name=d["full_name"],
            sex=d["sex"],
            unit=d["unit"],
            birth_date=d.get("birth_date"),
            birth_year=d.get("birth_year"),
            ethnicity=d["ethnicity"],
            religion=d["religion"],
            citizen_id=d.get("citizen_id") or "",
            clear_citizen_id=bool(d.get("clear_citizen_id")),
            birth_province=d.get("birth_province") or "",
            phone=d.get("phone") or "",
            address=d.get("address") or "",
            occupation=d.get("occupation") or "",
            education=d.get("education") or "",
            veteran=bool(d.get("veteran")),
            notes=d.get("notes") or "",
        )

    @staticmethod
    def initial_for(person: Person) -> dict:
        return {
            "full_name": person.full_name,
            "birth_date": person.birth_date,
            "birth_year": None if person.birth_date else person.birth_year,
            "sex": person.sex,
            "ethnicity": person.ethnicity,
            "religion": person.religion,
            "birth_province": person.birth_province,
            "phone": person.phone,
            "unit": person.unit_id,
            "address": person.address,
            "occupation": person.occupation,
            "education": person.education,
            "veteran": person.veteran,
            "notes": person.notes,
        }


class JoinFields(StyledForm):
    branch = ScopedChoiceField(label=_("Branch"), label_from=branch_place_label)
    on = forms.DateField(label=_("Joined on"))
    member_number = forms.CharField(label=_("Member number"), max_length=30, required=False)
    override_reason = forms.CharField(
        label=_("Reason for an exception"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only to admit someone the organisation's rules would not (age, sex, veteran status)."),
    )
    note = forms.CharField(label=_("Note on the joining"), max_length=500, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["branch"].limit(
            selectors.branch_choices(actor=actor, action="add"), branch_choices_url(scope="add")
        )


class RegisterForm(PersonForm):
    """A new member: the person and the branch they join, in one form."""

    branch = JoinFields.base_fields["branch"]
    on = JoinFields.base_fields["on"]
    member_number = JoinFields.base_fields["member_number"]
    override_reason = JoinFields.base_fields["override_reason"]
    note = JoinFields.base_fields["note"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["branch"].limit(
            selectors.branch_choices(actor=actor, action="add"), branch_choices_url(scope="add")
        )

    field_order = [
        "full_name",
        "birth_date",
        "birth_year",
        "sex",
        "ethnicity",
        "religion",
        "citizen_id",
        "birth_province",
        "phone",
        "unit",
        "address",
        "occupation",
        "education",
        "veteran",
        "notes",
        "branch",
        "on",
        "member_number",
        "override_reason",
        "note",
    ]


class JoinForm(JoinFields):
    pass


class TransferForm(StyledForm):
    to_branch = ScopedChoiceField(
        label=_("New branch"),
        label_from=partial(branch_place_label, province=True),
        help_text=_(
            "Any branch of the same organisation type, in this commune, another commune or another province."
        ),
    )
    on = forms.DateField(label=_("Transferred on"))
    move_residence = forms.BooleanField(
        label=_("The person also moves to the new branch's village"), required=False, initial=True
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        help_text=_("For example the number of the transfer letter."),
    )

    def __init__(self, *args, org_type_id: int, exclude: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["move_residence"].widget.attrs["class"] = "form-check-input"
        self.fields["to_branch"].limit(
            selectors.transfer_targets(actor=None, org_type_id=org_type_id, exclude=exclude),
            branch_choices_url(type=org_type_id, exclude=exclude),
        )


class BranchTransferForm(TransferForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["move_residence"]


class LeaveForm(StyledForm):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=_blank_first([(r.value, r.label) for r in LEAVE_REASONS])
    )
    on = forms.DateField(
        label=_("Left on"), help_text=_("From this day the person is no longer counted as a member.")
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, membership=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        if membership is not None:
            from danvan.members.models import EndReason
            from danvan.members.services import rule_for

            rule = rule_for(membership.org_type)
            if rule is None or rule.max_age is None:
                # "over age" only where the organisation has an upper age limit (the service checks the age)
                self.fields["reason"].choices = [
                    c for c in self.fields["reason"].choices if c[0] != EndReason.OVER_AGE
                ]


class RejoinForm(StyledForm):
    branch = ScopedChoiceField(label=_("Branch"), label_from=branch_place_label)
    on = forms.DateField(label=_("Re-joined on"))
    override_reason = JoinFields.base_fields["override_reason"]
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, actor, org_type_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        qs = selectors.branch_choices(actor=actor, action="add").filter(organisation__type_id=org_type_id)
        self.fields["branch"].limit(qs, branch_choices_url(scope="add", type=org_type_id))


class MemberNumberForm(StyledForm):
    member_number = forms.CharField(label=_("Member number"), max_length=30, required=False)


def merge_choice_label(p: Person) -> str:
    """What tells two records of one name apart: "Đặng Thị Anh — CCCD •••858 · sinh 02/03/1980 · Khóm An
    Thới · hồ sơ số 72209, lập ngày 23/11/2021"."""
    facts = [
        _("citizen ID •••%(last3)s") % {"last3": p.citizen_id_last3}
        if p.citizen_id_last3
        else _("no citizen ID"),
        _("born %(day)s") % {"day": p.birth_display},
        p.unit.name,
        _("record no. %(id)s, created on %(day)s")
        % {"id": p.pk, "day": timezone.localtime(p.created_at).strftime("%d/%m/%Y")},
    ]
    return f"{p.full_name} — " + " · ".join(str(f) for f in facts)


class MergeForm(StyledForm):
    keep = forms.ChoiceField(label=_("Keep the record of"), widget=forms.RadioSelect)

    def __init__(self, *args, people: tuple[Person, Person], **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["keep"].choices = [(str(p.pk), merge_choice_label(p)) for p in people]
        self.fields["keep"].initial = str(people[0].pk)
        self.fields["keep"].widget.attrs["class"] = "form-check-input"


class ConfirmForm(StyledForm):
    pass


class CitizenIdLookupForm(StyledForm):
    citizen_id = forms.CharField(
        label=_("Citizen ID"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "placeholder": _("12 digits")}
        ),
    )

    def clean_citizen_id(self):
        from danvan.members import citizen_id

        value = citizen_id.normalise(self.cleaned_data["citizen_id"])
        try:
            citizen_id.check_shape(value)
        except citizen_id.CitizenIdError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return value
