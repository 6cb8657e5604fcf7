import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from danvan.core.filters import FoldedSearchFilter, StyledFilterSet
from danvan.practices.models import (
    Award,
    AwardLevel,
    OwnerKind,
    Practice,
    PracticeField,
    PracticeLevel,
    PracticeStatus,
)
from danvan.structure.models import OrgType, Unit, UnitLevel


def _units(request):
    if request is None:
        return Unit.objects.none()
    return (
        Unit.objects.visible_to(request.user)
        .filter(level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE], valid_to__isnull=True)
        .order_by("level", "search_name")
    )


class FullTextFilter(django_filters.CharFilter):
    """Accent-insensitive full-text search over a model's name, owner, description, problem and results."""

    def filter(self, qs, value):
        return qs.search(value) if value else qs


class UnderUnitFilter(django_filters.ModelChoiceFilter):
    def filter(self, qs, value):
        return qs.filter(unit_path__startswith=value.path) if value else qs


class PracticeFilter(StyledFilterSet):
    q = FullTextFilter(
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. nuoi bo, camera an ninh")}),
    )
    field = django_filters.ChoiceFilter(label=_("Field"), choices=PracticeField.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=PracticeLevel.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PracticeStatus.choices)
    unit = UnderUnitFilter(label=_("Unit"), queryset=_units)
    organisation__type = django_filters.ModelChoiceFilter(
        label=_("Organisation type"), queryset=OrgType.objects.filter(is_active=True)
    )
    owner_kind = django_filters.ChoiceFilter(label=_("Owner"), choices=OwnerKind.choices)
    year = django_filters.NumberFilter(
        label=_("Registered in"), field_name="registered_on", lookup_expr="year"
    )
    recognised_year = django_filters.NumberFilter(
        label=_("Recognised in"), field_name="recognised_on", lookup_expr="year"
    )
    replication = django_filters.ChoiceFilter(
        label=_("Replication"),
        choices=[("origin", _("Models replicated elsewhere")), ("replica", _("Replications of a model"))],
        method="filter_replication",
    )

    class Meta:
        model = Practice
        fields = [
            "q",
            "field",
            "level",
            "status",
            "unit",
            "organisation__type",
            "owner_kind",
            "year",
            "recognised_year",
            "replication",
        ]

    def filter_replication(self, qs, name, value):
        if value == "origin":
            return qs.filter(replicated_on__isnull=False)
        if value == "replica":
            return qs.filter(origin__isnull=False)
        return qs


class AwardFilter(StyledFilterSet):
    q = FoldedSearchFilter(widget=forms.TextInput(attrs={"type": "search"}))
    level = django_filters.ChoiceFilter(label=_("Level"), choices=AwardLevel.choices)
    recipient_kind = django_filters.ChoiceFilter(label=_("Recipient"), choices=OwnerKind.choices)
    year = django_filters.NumberFilter(label=_("Year"), field_name="awarded_on", lookup_expr="year")

    class Meta:
        model = Award
        fields = ["q", "level", "recipient_kind", "year"]
