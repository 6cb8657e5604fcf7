"""Filters of the sources and items lists (one FilterSet serves the page and its export). There is no
author filter: no page may profile a person."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from danvan.core.filters import StyledFilterSet
from danvan.core.text import fold
from danvan.opinion.models import Item, Sentiment, Source, SourceKind

YES_NO = [("", "—"), ("true", _("Yes")), ("false", _("No"))]
PERIODS = [("7", _("Last 7 days")), ("30", _("Last 30 days")), ("90", _("Last 90 days"))]


def field_choices():
    from danvan.cases.models import ConcernField

    return [
        (c, n) for c, n in ConcernField.objects.order_by("sort_order", "name").values_list("code", "name")
    ]


class SourceFilter(StyledFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=SourceKind.choices)
    flagged = django_filters.BooleanFilter(label=_("Flagged"), widget=forms.Select(choices=YES_NO))
    is_active = django_filters.BooleanFilter(label=_("Active"), widget=forms.Select(choices=YES_NO))

    class Meta:
        model = Source
        fields = ["kind", "flagged", "is_active"]


class ItemFilter(StyledFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("words of the text (accents optional)")}),
    )  # fmt: skip
    source = django_filters.ModelChoiceFilter(label=_("Source"), queryset=Source.objects.none())
    field = django_filters.ChoiceFilter(label=pgettext_lazy("concern", "Field"), choices=field_choices)
    sentiment = django_filters.ChoiceFilter(label=_("Sentiment"), choices=Sentiment.choices)
    relevant = django_filters.BooleanFilter(label=_("Relevant"), widget=forms.Select(choices=YES_NO))
    toxic = django_filters.BooleanFilter(label=_("Offensive"), widget=forms.Select(choices=YES_NO))
    unit = django_filters.ModelChoiceFilter(label=_("Unit (and below)"), method="filter_unit", queryset=None)
    period = django_filters.ChoiceFilter(label=_("Period"), choices=PERIODS, method="filter_period")
    published_from = django_filters.DateFilter(label=_("From"), field_name="published_at", lookup_expr="date__gte",
                                               widget=forms.DateInput())  # fmt: skip
    published_to = django_filters.DateFilter(label=_("To"), field_name="published_at", lookup_expr="date__lte",
                                             widget=forms.DateInput())  # fmt: skip
    issue = django_filters.NumberFilter(label="", field_name="issue_id", widget=forms.HiddenInput)

    class Meta:
        model = Item
        fields: list[str] = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["source"].queryset = Source.objects.visible_to(request.user).order_by("name")
            self.form.fields["source"].queryset = self.filters["source"].queryset
            from danvan.opinion.forms import scoped_units

            units = scoped_units(request.user, "opinion.view_item")
            self.filters["unit"].queryset = units
            self.form.fields["unit"].queryset = units

    def filter_q(self, qs, name, value):
        """Accent-insensitive: "duong lay loi" finds "Đường lầy lội" (PostgreSQL unaccent on both sides)."""
        for word in fold(value).split()[:8]:
            qs = qs.filter(Q(text__unaccent__icontains=word) | Q(title__unaccent__icontains=word))
        return qs

    def filter_unit(self, qs, name, value):
        return qs.filter(unit_path__startswith=value.path) if value else qs

    def filter_period(self, qs, name, value):
        return qs.filter(published_at__gte=timezone.now() - dt.timedelta(days=int(value)))
