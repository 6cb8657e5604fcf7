"""Forms of the cases pages. Choices of units and bodies list only rows the user may see; the services
check the permission for the exact place. The public form takes plain text only and checks its files."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from danvan.cases import services
from danvan.cases.models import (
    PUBLIC_KINDS,
    Channel,
    CommitmentStatus,
    Complexity,
    ConcernField,
    DialogueStatus,
    DocumentKind,
    Instance,
    Kind,
    LetterKind,
    ReceptionRequirement,
    ReceptionStatus,
    RefusalReason,
    Urgency,
    refusal_reasons_for,
)
from danvan.core.forms import StyledForm
from danvan.structure.forms import (
    ScopedChoiceField,
    choices_url,
    organisation_label,
    unit_label,
    validate_phone,
)
from danvan.structure.models import OrgType, Unit, UnitLevel


def _fields():
    return ConcernField.objects.filter(is_active=True)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, max_files: int = 3, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx"}))
        kwargs.setdefault("required", False)
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > self.max_files:
            raise ValidationError(_("At most %(n)s files.") % {"n": self.max_files})
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        for f in cleaned:
            services.check_upload(f)
        return cleaned


def _commune_loader(url_name: str) -> dict:
    """HTMX attributes that refill the commune list when the province changes."""
    from django.urls import reverse

    return {
        "hx-get": reverse(url_name),
        "hx-target": "#id_commune",
        "hx-trigger": "change",
        "hx-swap": "innerHTML",
    }


def _unit_field(actor, *, label, required=True) -> ScopedChoiceField:
    from danvan.structure import selectors as structure_selectors

    field = ScopedChoiceField(label=label, label_from=unit_label, required=required)
    field.limit(
        structure_selectors.unit_choices(
            actor=actor, levels=[UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE]
        ),
        choices_url("unit", levels="province,commune,village"),
    )
    return field


def _body_field(actor, *, label, perm_action="view", required=False) -> ScopedChoiceField:
    from danvan.structure import selectors as structure_selectors

    field = ScopedChoiceField(label=label, label_from=organisation_label, required=required)
    field.limit(structure_selectors.organisation_choices(actor=actor), choices_url("organisation"))
    return field


class CaseCreateForm(StyledForm):
    """Staff enter a case received from a citizen (on the citizen's behalf)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    instance = forms.ChoiceField(label=_("Instance (complaints)"), choices=Instance.choices, required=False)
    channel = forms.ChoiceField(label=_("Received through"), choices=Channel.choices, initial=Channel.WALK_IN)
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput())
    title = forms.CharField(label=_("Summary"), max_length=255)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 6}))
    field = forms.ModelChoiceField(label=_("Field"), queryset=ConcernField.objects.none(), required=False)
    people_count = forms.IntegerField(label=_("Number of people"), min_value=1, initial=1)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    complexity = forms.ChoiceField(
        label=_("Complexity"), choices=Complexity.choices, initial=Complexity.NORMAL
    )
    is_remote = forms.BooleanField(label=_("Remote area (vùng sâu, vùng xa)"), required=False)
    citizen_name = forms.CharField(label=_("Citizen's full name"), max_length=150, required=False)
    citizen_phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, validators=[validate_phone]
    )
    citizen_email = forms.EmailField(label=_("E-mail"), required=False)
    citizen_address = forms.CharField(
        label=pgettext_lazy("residence", "Address"), max_length=255, required=False
    )
    citizen_id_number = forms.CharField(
        label=_("Identity document (denunciations)"),
        max_length=30,
        required=False,
        help_text=_("Kept encrypted with the rest of the denouncer's identity."),
    )
    citizen_other = forms.CharField(
        label=_("Other identifying details (denunciations)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    documents = MultipleFileField(label=_("Documents (PDF, image, Word; at most 3 × 5 MB)"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["unit"] = _unit_field(actor, label=_("Unit concerned"))
        self.fields["handling_org"] = _body_field(actor, label=_("Handling body"))
        self.fields["field"].queryset = _fields()
        self.fields["received_on"].initial = timezone.localdate()
        self.order_fields(
            [
                "kind",
                "instance",
                "channel",
                "received_on",
                "unit",
                "handling_org",
                "title",
                "content",
                "field",
                "people_count",
                "urgency",
                "complexity",
                "is_remote",
            ]
        )
        from danvan.core.forms import style_fields

        style_fields(self.fields)
        self.fields["title"].widget.attrs.update({"data-similar": "1", "autocomplete": "off"})
        self.fields["content"].widget.attrs.update({"data-similar": "1"})

    def clean_received_on(self):
        # said on the field, with the other errors of the form (the service refuses it too)
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of receipt cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("kind") != Kind.COMPLAINT:
            data["instance"] = ""
        elif data.get("instance") == Instance.SECOND:
            self.add_error(
                "instance", _("Record a second-instance complaint from the first-instance case (Appeal).")
            )
        return data

    def citizen(self) -> services.CitizenData:
        d = self.cleaned_data
        return services.CitizenData(
            name=d.get("citizen_name", ""),
            phone=d.get("citizen_phone", ""),
            email=d.get("citizen_email", ""),
            address=d.get("citizen_address", ""),
            id_number=d.get("citizen_id_number", ""),
            other=d.get("citizen_other", ""),
        )


class ClassifyForm(StyledForm):
    title = forms.CharField(label=_("Summary"), max_length=255)
    field = forms.ModelChoiceField(label=_("Field"), queryset=ConcernField.objects.none(), required=False)
    people_count = forms.IntegerField(label=_("Number of people"), min_value=1)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    complexity = forms.ChoiceField(label=_("Complexity"), choices=Complexity.choices)
    is_remote = forms.BooleanField(label=_("Remote area (vùng sâu, vùng xa)"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = _fields()
        self.fields["unit"] = _unit_field(actor, label=_("Unit concerned"))
        from danvan.core.forms import style_fields

        style_fields(self.fields)


class NoteForm(StyledForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AcceptForm(NoteForm):
    on = forms.DateField(label=_("Accepted on"), widget=forms.DateInput())


class RefuseForm(StyledForm):
    reason = forms.ChoiceField(label=_("Legal reason"), choices=RefusalReason.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if kind:  # only the reasons that apply to the case's kind (the service refuses the others)
            allowed = set(refusal_reasons_for(kind))
            self.fields["reason"].choices = [c for c in RefusalReason.choices if c[0] in allowed]


class AssignForm(NoteForm):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None)

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers
        self.fields["handler"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"
        from danvan.core.forms import style_fields

        style_fields(self.fields)


class ExtendForm(StyledForm):
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    complexity = forms.ChoiceField(
        label=_("Complexity"),
        choices=[(Complexity.COMPLEX, _("Complex")), (Complexity.VERY_COMPLEX, _("Very complex"))],
    )
    days = forms.IntegerField(
        label=_("Days (denunciations)"),
        min_value=1,
        max_value=30,
        required=False,
        help_text=_("Complaints get the complex-case limit of their rule."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ConcludeForm(StyledForm):
    on = forms.DateField(label=_("Date of the decision or conclusion"), widget=forms.DateInput())
    conclusion = forms.CharField(label=_("Conclusion or decision"), widget=forms.Textarea(attrs={"rows": 5}))


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("Answer to the citizen"), widget=forms.Textarea(attrs={"rows": 6}))
    public = forms.BooleanField(
        label=_("Show the answer on the public tracking page"), required=False, initial=True
    )


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class BodyTargetForm(StyledForm):
    """A body anywhere in the country, chosen by unit and type: no list of other scopes' organisations."""

    province = forms.ModelChoiceField(label=_("Province"), queryset=Unit.objects.none())
    commune = forms.ModelChoiceField(
        label=_("Commune (empty: the province itself)"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— None: the province itself —"),
    )
    org_type = forms.ModelChoiceField(label=_("Body"), queryset=OrgType.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from danvan.cases.selectors import public_communes, public_provinces

        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = public_provinces()
        province_id = self.data.get("province") or self.initial.get("province")
        try:
            province_id = int(province_id)
        except (TypeError, ValueError):
            province_id = None
        self.fields["commune"].queryset = public_communes(province_id=province_id)
        self.fields["province"].widget.attrs.update(_commune_loader("cases:communes"))
        self.fields["org_type"].queryset = OrgType.objects.filter(is_active=True)
        from danvan.core.forms import style_fields

        style_fields(self.fields)

    def target_unit(self) -> Unit:
        return self.cleaned_data.get("commune") or self.cleaned_data["province"]


class AppealForm(BodyTargetForm):
    content = forms.CharField(
        label=_("Content of the second complaint"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("reason")


class DuplicateForm(StyledForm):
    original = forms.CharField(label=_("Reference of the earlier case"), max_length=20)
    close = forms.BooleanField(label=_("Do not accept this case (duplicate)"), required=False, initial=True)


class DocumentForm(StyledForm):
    file = forms.FileField(label=_("File (PDF, image, Word; at most 5 MB)"))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[c for c in DocumentKind.choices if c[0] != DocumentKind.LETTER]
    )
    confidential = forms.BooleanField(label=_("Confidential: reveals the denouncer"), required=False)

    def clean_file(self):
        f = self.cleaned_data["file"]
        services.check_upload(f)
        return f


class LetterForm(StyledForm):
    kind = forms.ChoiceField(label=_("Letter"), choices=LetterKind.choices)


class IdentityForm(StyledForm):
    name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=pgettext_lazy("residence", "Address"), max_length=255, required=False)
    id_number = forms.CharField(label=_("Identity document"), max_length=30, required=False)
    other = forms.CharField(
        label=_("Other identifying details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- public portal -------------------------------------------------------------------------------------


class PublicSubmitForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("What do you want to send?"), choices=Kind.choices, widget=forms.RadioSelect
    )
    province = forms.ModelChoiceField(
        label=_("Province or city"), queryset=Unit.objects.none(), empty_label=_("— Choose —")
    )
    commune = forms.ModelChoiceField(
        label=_("Commune or ward"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— None: the province itself —"),
    )
    field = forms.ModelChoiceField(
        label=_("Field"), queryset=ConcernField.objects.none(), required=False, empty_label=_("— Not sure —")
    )
    title = forms.CharField(label=_("Subject"), max_length=200)
    content = forms.CharField(label=_("Content"), max_length=5000, widget=forms.Textarea(attrs={"rows": 7}))
    name = forms.CharField(label=_("Your full name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    email = forms.EmailField(label=_("E-mail (to be told of the answer)"), required=False)
    address = forms.CharField(label=pgettext_lazy("residence", "Address"), max_length=255, required=False)
    documents = MultipleFileField(label=_("Attachments (PDF, image, Word; at most 3 files of 5 MB)"))
    # The honeypot: hidden from people by CSS; robots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    consent = forms.BooleanField(
        label=_("I agree that the information I give is used to handle my submission (Decree 13/2023/NĐ-CP).")
    )

    def __init__(self, *args, **kwargs):
        from danvan.cases.selectors import public_communes, public_provinces

        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = public_provinces()
        try:
            province_id = int(self.data.get("province") or 0)
        except (TypeError, ValueError):
            province_id = 0
        self.fields["commune"].queryset = public_communes(province_id=province_id)
        self.fields["province"].widget.attrs.update(_commune_loader("cases:public-communes"))
        self.fields["field"].queryset = _fields().exclude(code="not_relevant")
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["kind"].widget.attrs["class"] = "form-check-input"
        self.fields["consent"].widget.attrs["class"] = "form-check-input"

    def clean_title(self):
        return services.plain_text(
            self.cleaned_data["title"], label=_("The subject"), max_length=200, multiline=False
        )

    def clean_content(self):
        return services.plain_text(self.cleaned_data["content"], label=_("The content"), max_length=5000)

    def clean(self):
        data = super().clean()
        if data.get("kind") and data["kind"] not in PUBLIC_KINDS:
            self.add_error(
                "kind",
                _(
                    "Complaints and denunciations cannot be submitted on the portal: see how to submit them above."
                ),
            )
        commune = data.get("commune")
        if (
            commune is not None
            and data.get("province") is not None
            and commune.parent_id != data["province"].pk
        ):
            self.add_error("commune", _("Choose a commune of the chosen province."))
        return data

    def unit(self) -> Unit:
        return self.cleaned_data.get("commune") or self.cleaned_data["province"]

    def citizen(self) -> services.CitizenData:
        d = self.cleaned_data
        return services.CitizenData(
            name=d.get("name", ""),
            phone=d.get("phone", ""),
            email=d.get("email", ""),
            address=d.get("address", ""),
        )


class TrackForm(StyledForm):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=16,
        widget=forms.TextInput(attrs={"placeholder": "ABCDE-23456", "autocomplete": "off"}),
    )


class RateForm(StyledForm):
    code = forms.CharField(max_length=16, widget=forms.HiddenInput)
    satisfied = forms.TypedChoiceField(
        label=_("Are you satisfied with the answer?"),
        choices=[("1", _("Satisfied")), ("0", _("Not satisfied"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you are satisfied with the answer.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["satisfied"].widget.attrs["class"] = "form-check-input"


# --- dialogue and reception ----------------------------------------------------------------------------


class DialogueForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=255)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput())
    place = forms.CharField(label=pgettext_lazy("venue", "Place"), max_length=255, required=False)
    chair_name = forms.CharField(label=_("Chaired by"), max_length=200)
    participant_count = forms.IntegerField(label=_("Number of participants"), min_value=0, required=False)
    participants = forms.CharField(
        label=pgettext_lazy("dialogue", "Participants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    topics = forms.CharField(
        label=pgettext_lazy("dialogue", "Topics"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.ChoiceField(label=_("Status"), choices=DialogueStatus.choices)
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(actor, label=_("Unit"))
        self.fields["organisation"] = _body_field(actor, label=_("Organised by"))
        self.order_fields(["title", "unit", "organisation", "held_on", "place", "chair_name"])
        from danvan.core.forms import style_fields

        style_fields(self.fields)


class QuestionForm(StyledForm):
    """A question raised at a dialogue session, and the answer given there (if any)."""

    asked_by = forms.CharField(label=_("Raised by"), max_length=200, required=False)
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    answer = forms.CharField(
        label=_("Answer given"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    answered_by = forms.CharField(label=_("Answered by"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        placeholders = {
            "question": _("What the citizen raised"),
            "asked_by": _("Name, village"),
            "answer": _("The answer given at the session (if any)"),
            "answered_by": _("Name, position"),
        }
        for name, text in placeholders.items():
            self.fields[name].widget.attrs["placeholder"] = text


class AnswerQuestionForm(StyledForm):
    answer = forms.CharField(label=_("Answer given"), widget=forms.Textarea(attrs={"rows": 2}))
    answered_by = forms.CharField(label=_("Answered by"), max_length=200, required=False)


class CommitmentForm(StyledForm):
    text = forms.CharField(label=_("Commitment"), widget=forms.Textarea(attrs={"rows": 2}))
    owner_name = forms.CharField(label=_("Responsible person"), max_length=200, required=False)
    due_on = forms.DateField(label=_("Deadline"), widget=forms.DateInput())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_org"] = _body_field(actor, label=_("Responsible body"))
        from danvan.core.forms import style_fields

        style_fields(self.fields)


class CommitmentUpdateForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=CommitmentStatus.choices)
    done_on = forms.DateField(label=_("Done on"), required=False, widget=forms.DateInput())
    note = forms.CharField(label=_("Progress"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReceptionSessionForm(StyledForm):
    position = forms.ModelChoiceField(label=_("Position"), queryset=ReceptionRequirement.objects.none())
    leader_name = forms.CharField(label=_("Leader"), max_length=200)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput())
    start_time = forms.TimeField(
        label=pgettext_lazy("time", "From"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    place = forms.CharField(label=pgettext_lazy("venue", "Place"), max_length=255)
    status = forms.ChoiceField(label=_("Status"), choices=ReceptionStatus.choices)
    citizens_received = forms.IntegerField(label=_("Citizens received"), min_value=0, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        from danvan.structure import selectors as structure_selectors

        units = structure_selectors.unit_choices(actor=actor, levels=[UnitLevel.PROVINCE, UnitLevel.COMMUNE])
        # only the positions of the levels of the units the user may choose (a ward officer: the commune's)
        levels = set(units.order_by().values_list("level", flat=True).distinct())
        self.fields["position"].queryset = ReceptionRequirement.objects.filter(
            is_active=True, level__in=levels
        ).order_by("level", "pk")
        unit = ScopedChoiceField(label=_("Unit"), label_from=unit_label)
        unit.limit(units, choices_url("unit", levels="province,commune"))
        self.fields["unit"] = unit
        self.fields["organisation"] = _body_field(actor, label=_("Body"))
        self.order_fields(["unit", "organisation", "position", "leader_name", "on"])
        from danvan.core.forms import style_fields

        style_fields(self.fields)


# --- administration ------------------------------------------------------------------------------------


class DeadlineRuleForm(StyledForm):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=365)
    complex_days = forms.IntegerField(label=_("Complex"), min_value=1, max_value=365, required=False)
    remote_days = forms.IntegerField(label=_("Remote area"), min_value=1, max_value=365, required=False)
    remote_complex_days = forms.IntegerField(
        label=_("Remote, complex"), min_value=1, max_value=365, required=False
    )
    day_type = forms.ChoiceField(
        label=_("Counted in"), choices=[("calendar", _("Calendar days")), ("working", _("Working days"))]
    )
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=_("In force"), required=False)


class CalendarDayForm(StyledForm):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput())
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("holiday", _("Public holiday")),
            ("day_off", _("Compensatory or swapped day off")),
            ("working_day", _("Weekend day worked in exchange")),
        ],
    )
    name = forms.CharField(label=_("Name"), max_length=200)


class LetterTemplateForm(StyledForm):
    kind = forms.ChoiceField(label=_("Letter"), choices=LetterKind.choices)
    file = forms.FileField(label=_("Word file (.docx)"))


class FiguresForm(StyledForm):
    PERIOD_CHOICES = [
        ("month", _("Month")),
        ("quarter", _("Quarter")),
        ("6m", _("6 months")),
        ("9m", _("9 months")),
        ("12m", _("Year (12 months)")),
        ("custom", _("From … to …")),
    ]
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, initial="12m")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    number = forms.IntegerField(label=_("Month or quarter no."), min_value=1, max_value=12, required=False)
    cutoff = forms.BooleanField(label=_("Reporting cut-off (15th to 14th)"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput())

    def clean(self):
        data = super().clean()
        period = data.get("period")
        if period == "custom":
            if not data.get("start") or not data.get("end") or data["start"] > data["end"]:
                raise ValidationError(_("Give a start and an end date, in order."))
        elif period == "quarter" and (data.get("number") or 1) > 4:
            self.add_error("number", _("A quarter is numbered 1 to 4."))
        return data

    def date_range(self):
        from danvan.cases.selectors import period_range

        d = self.cleaned_data
        if d["period"] == "custom":
            return d["start"], d["end"]
        return period_range(
            d["period"], d["year"], d.get("number") or 1, cutoff_day=14 if d.get("cutoff") else None
        )
