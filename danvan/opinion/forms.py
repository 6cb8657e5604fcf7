"""Forms of the ingestion and analysts' pages (sources, file import mapping, collaborators' reports,
privacy settings). The analysis pages' forms are in analysis_forms.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from danvan.core.forms import StyledForm
from danvan.core.text import vietnamese_key
from danvan.opinion.ingestion import MAPPING_FIELDS, MAX_HOW_MANY, how_many_too_large
from danvan.opinion.models import Sentiment, SourceKind
from danvan.structure.forms import unit_label

EDITABLE_KINDS = [
    (k, label) for k, label in SourceKind.choices if k in (SourceKind.RSS, SourceKind.FILE, SourceKind.API)
]


def scoped_units(user, perm: str, levels=("province", "commune")):
    from danvan.core.scoping import user_scopes
    from danvan.structure.models import Unit

    qs = Unit.objects.filter(level__in=levels, valid_to__isnull=True)
    if user.is_superuser:
        return qs.order_by("path")
    paths = [s.unit_path for s in user_scopes(user, perm)]
    if not paths:
        return qs.none()
    from django.db.models import Q

    cond = Q()
    for p in paths:
        cond |= Q(path__startswith=p)
    return qs.filter(cond).order_by("path")


def alphabetical(field: forms.ModelChoiceField, units, label=str) -> None:
    """Offer the queryset ``units`` in ``field`` in Vietnamese alphabetical order of their labels ("Ấp Dương
    Điềm" before "Ấp Đông Hòa": ``core.text.vietnamese_key``); the field still accepts only its rows."""
    field.queryset = units
    rows = sorted(units, key=lambda u: (vietnamese_key(label(u)), u.pk))
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = empty + [(u.pk, label(u)) for u in rows]


def pickable_units(user, perm: str):
    """Provinces and communes where ``user`` has ``perm`` — what a unit choice offers (a superuser, who sees
    every commune of the country, is offered the provinces; a commune is then reached by its code)."""
    units = scoped_units(user, perm)
    return units.filter(level="province") if user.is_superuser else units


class SourceForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EDITABLE_KINDS, initial=SourceKind.RSS)
    unit = forms.ModelChoiceField(label=_("Default unit"), queryset=None,
                                  help_text=_("Items that name no place are counted here."))  # fmt: skip
    url = forms.URLField(label=_("Address"), required=False, max_length=1000, assume_scheme="https",
                         help_text=_("For a feed: the RSS or Atom address."))  # fmt: skip
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    poll_interval_minutes = forms.IntegerField(
        label=_("Poll every (minutes)"), min_value=5, max_value=10080, initial=60
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped_units(actor, "opinion.add_source")


class ImportUploadForm(StyledForm):
    file = forms.FileField(label=_("File (.csv, .json or .xlsx)"))


class MappingForm(StyledForm):
    """One select per field: which column of the file holds it."""

    def __init__(self, *args, header, initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(h, h) for h in header]
        for key, label in MAPPING_FIELDS:
            self.fields[f"map_{key}"] = forms.ChoiceField(
                label=label, choices=choices, required=key in ("text", "published_at"),
                initial=(initial_mapping or {}).get(key, ""),
            )  # fmt: skip
        from danvan.core.forms import style_fields

        style_fields(self.fields)

    def mapping(self) -> dict[str, str]:
        return {
            key: self.cleaned_data.get(f"map_{key}")
            for key, _l in MAPPING_FIELDS
            if self.cleaned_data.get(f"map_{key}")
        }


class CollaboratorReportForm(StyledForm):
    what_people_say = forms.CharField(
        label=_("What people are saying"), widget=forms.Textarea(attrs={"rows": 4})
    )
    unit = forms.ModelChoiceField(label=_("Commune or ward"), queryset=None)
    village = forms.ModelChoiceField(label=_("Village"), queryset=None, required=False)
    where = forms.CharField(label=_("Where (market, meeting, gathering…)"), required=False, max_length=300)
    how_many = forms.IntegerField(
        label=_("How many people (approx.)"), min_value=1, max_value=MAX_HOW_MANY, initial=1,
        error_messages={"min_value": _("Give an approximate number of people (at least 1).")},
    )  # fmt: skip
    mood = forms.ChoiceField(label=_("Mood"), choices=Sentiment.choices, initial=Sentiment.NEUTRAL)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["how_many"].error_messages["max_value"] = how_many_too_large()
        perm = "opinion.add_collaboratorreport"
        alphabetical(self.fields["unit"], scoped_units(actor, perm, levels=("commune",)))
        villages = scoped_units(actor, perm, levels=("village",)).select_related("parent")
        # villages of several communes are named with their commune, as the other forms name them
        several = len({v.parent_id for v in villages}) > 1
        alphabetical(self.fields["village"], villages, label=unit_label if several else str)


class PrivacyForm(StyledForm):
    min_group_size = forms.IntegerField(label=_("Smallest group shown"), min_value=1, max_value=100,
                                        help_text=_("Aggregates over fewer items than this are hidden."))  # fmt: skip
    retention_days = forms.IntegerField(label=_("Raw text kept for (days)"), min_value=30, max_value=3650,
                                        help_text=_("Older raw text is purged; aggregates are kept."))  # fmt: skip
