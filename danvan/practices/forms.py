"""Forms of the "Dân vận khéo" pages. Choices list only rows the user may see; the services check the
permission for the exact place and the lifecycle rules."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from danvan.core.forms import StyledForm
from danvan.practices.models import (
    AwardLevel,
    OwnerKind,
    PracticeField,
    PracticeLevel,
    RecognitionLevel,
)
from danvan.structure import selectors as structure_selectors
from danvan.structure.forms import ScopedChoiceField, organisation_label, unit_label
from danvan.structure.models import UnitLevel

TEXTAREA = {"rows": 4}
RESULT_ROWS = 5


def _units(actor):
    return structure_selectors.unit_choices(
        actor=actor, levels=[UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE]
    )


def _units_url() -> str:
    return reverse("structure:unit-choices") + "?levels=province,commune,village"


class PracticeForm(StyledForm):
    name = forms.CharField(label=_("Name of the model"), max_length=300)
    field = forms.ChoiceField(label=_("Field"), choices=PracticeField.choices)
    unit = ScopedChoiceField(label=_("Unit"), label_from=unit_label)
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("From the unit")), *PracticeLevel.choices], required=False
    )
    owner_kind = forms.ChoiceField(label=_("Owner"), choices=OwnerKind.choices, initial=OwnerKind.COLLECTIVE)
    owner_name = forms.CharField(
        label=_("Owner's name"),
        max_length=255,
        help_text=_("The collective (e.g. Chi hội Phụ nữ ấp Phú Hòa) or person."),
    )
    organisation = ScopedChoiceField(label=_("Organisation"), label_from=organisation_label, required=False)
    started_on = forms.DateField(label=_("Started on"))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs=TEXTAREA))
    problem = forms.CharField(
        label=_("Problem it solved"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    people_reached = forms.IntegerField(label=_("People reached"), min_value=0, required=False)

    def __init__(self, *args, actor, fixed_unit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_unit:
            del self.fields["unit"]
        else:
            self.fields["unit"].limit(_units(actor), _units_url())
        self.fields["organisation"].limit(
            structure_selectors.organisation_choices(actor=actor), reverse("structure:organisation-choices")
        )
        self.fields["started_on"].initial = timezone.localdate()
        for i in range(RESULT_ROWS):
            self.fields[f"result_{i}_indicator"] = forms.CharField(
                label=_("Indicator"), max_length=255, required=False
            )
            self.fields[f"result_{i}_measure"] = forms.CharField(
                label=_("Unit of measure"), max_length=50, required=False
            )
            self.fields[f"result_{i}_before"] = forms.DecimalField(
                label=_("Before"), required=False, max_digits=14, decimal_places=2
            )
            self.fields[f"result_{i}_after"] = forms.DecimalField(
                label=_("After"), required=False, max_digits=14, decimal_places=2
            )
            for suffix in ("indicator", "measure", "before", "after"):
                self.fields[f"result_{i}_{suffix}"].widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        for i in range(RESULT_ROWS):
            filled = [data.get(f"result_{i}_{s}") for s in ("measure", "before", "after")]
            if not data.get(f"result_{i}_indicator") and any(v not in (None, "") for v in filled):
                # a row with figures but no indicator would be dropped: say so instead of losing it
                self.add_error(f"result_{i}_indicator", _("Name the indicator these figures measure."))
        return data

    def main_fields(self):
        return [f for f in self.visible_fields() if not f.name.startswith("result_")]

    def result_rows(self):
        return [
            [self[f"result_{i}_{s}"] for s in ("indicator", "measure", "before", "after")]
            for i in range(RESULT_ROWS)
        ]

    def results(self):
        from danvan.practices.services import ResultLine

        lines = []
        for i in range(RESULT_ROWS):
            indicator = self.cleaned_data.get(f"result_{i}_indicator")
            if indicator:
                lines.append(
                    ResultLine(
                        indicator=indicator,
                        measure=self.cleaned_data.get(f"result_{i}_measure") or "",
                        before=self.cleaned_data.get(f"result_{i}_before"),
                        after=self.cleaned_data.get(f"result_{i}_after"),
                    )
                )
        return lines

    @staticmethod
    def initial_results(practice) -> dict:
        data = {}
        for i, r in enumerate(practice.results.all()[:RESULT_ROWS]):
            data[f"result_{i}_indicator"] = r.indicator
            data[f"result_{i}_measure"] = r.measure
            data[f"result_{i}_before"] = r.before
            data[f"result_{i}_after"] = r.after
        return data


class AssessForm(StyledForm):
    council = forms.CharField(label=_("Council"), max_length=255)
    assessed_on = forms.DateField(label=_("Assessed on"))
    conclusion = forms.CharField(
        label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.fields["assessed_on"].initial = timezone.localdate()
        self.criteria = list(scheme.criteria.all()) if scheme else []
        for c in self.criteria:
            name = f"score_{c.pk}"
            self.fields[name] = forms.DecimalField(
                label=f"{c.name} (0–{c.max_score})",
                min_value=0,
                max_value=c.max_score,
                max_digits=6,
                decimal_places=2,
                help_text=c.description,
            )
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"

        # The conclusion comes after the scores.
        self.fields["conclusion"] = self.fields.pop("conclusion")

    def scores(self) -> dict:
        return {c.pk: self.cleaned_data.get(f"score_{c.pk}") for c in self.criteria}


class RecogniseForm(StyledForm):
    decision_no = forms.CharField(label=_("Decision number"), max_length=100, help_text=_("e.g. 125-QĐ/ĐU"))
    decided_on = forms.DateField(label=_("Decision date"))
    level = forms.ChoiceField(label=_("Recognised at level"), choices=RecognitionLevel.choices)
    issuer = forms.CharField(
        label=_("Recognised by"), max_length=255, required=False, help_text=_("e.g. Đảng ủy xã")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()


class ReplicateForm(StyledForm):
    unit = ScopedChoiceField(label=_("Replicated in"), label_from=unit_label)
    organisation = ScopedChoiceField(label=_("Organisation"), label_from=organisation_label, required=False)
    owner_kind = forms.ChoiceField(label=_("Owner"), choices=OwnerKind.choices, initial=OwnerKind.COLLECTIVE)
    owner_name = forms.CharField(label=_("Owner's name"), max_length=255)
    name = forms.CharField(
        label=_("Name of the new model"),
        max_length=300,
        required=False,
        help_text=_("Empty: the origin's name."),
    )
    started_on = forms.DateField(label=_("Started on"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].limit(_units(actor), _units_url())
        self.fields["organisation"].limit(
            structure_selectors.organisation_choices(actor=actor), reverse("structure:organisation-choices")
        )
        self.fields["started_on"].initial = timezone.localdate()


class StopForm(StyledForm):
    on = forms.DateField(label=_("Stopped on"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class EvidenceForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, Word, Excel or a photo (JPEG, PNG, WebP), up to 20 MB.")
    )


class AwardForm(StyledForm):
    recipient_kind = forms.ChoiceField(label=_("Recipient"), choices=OwnerKind.choices)
    recipient_name = forms.CharField(label=_("Recipient's name"), max_length=255)
    title = forms.CharField(
        label=_("Award"), max_length=255, help_text=_("e.g. Bằng khen của Chủ tịch UBND tỉnh")
    )
    level = forms.ChoiceField(label=_("Level"), choices=AwardLevel.choices)
    decision_no = forms.CharField(label=_("Decision number"), max_length=100, required=False)
    awarded_on = forms.DateField(label=_("Awarded on"))
    issuer = forms.CharField(label=_("Awarded by"), max_length=255, required=False)
    unit = ScopedChoiceField(label=_("Unit"), label_from=unit_label)
    organisation = ScopedChoiceField(label=_("Organisation"), label_from=organisation_label, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, actor, practice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["awarded_on"].initial = timezone.localdate()
        if practice is not None:
            del self.fields["unit"]
            del self.fields["organisation"]
            self.initial.setdefault("recipient_name", practice.owner_name)
            self.initial.setdefault("recipient_kind", practice.owner_kind)
        else:
            self.fields["unit"].limit(_units(actor), _units_url())
            self.fields["organisation"].limit(
                structure_selectors.organisation_choices(actor=actor),
                reverse("structure:organisation-choices"),
            )
