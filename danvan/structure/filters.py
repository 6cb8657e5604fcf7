import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from danvan.core.filters import FoldedSearchFilter, StyledFilterSet
from danvan.structure.models import Branch, BranchKind, Organisation, OrgType, Unit, UnitLevel


class ActiveFilter(django_filters.ChoiceFilter):
    """Active / inactive / all (the values of the former boolean filter: "true", "false")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Status"))
        kwargs.setdefault("choices", [("true", _("Active")), ("false", _("Inactive"))])
        kwargs.setdefault("empty_label", _("All"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ("true", "false"):
            return qs.filter(**{self.field_name: value == "true"})
        return qs


class UnitFilter(StyledFilterSet):
    q = FoldedSearchFilter(widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. an phu")}))
    level = django_filters.ChoiceFilter(label=_("Level"), choices=UnitLevel.choices)
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("active", _("In force")), ("inactive", _("No longer in force"))],
        method="filter_status",
    )

    class Meta:
        model = Unit
        fields = ["q", "level", "status"]

    def filter_status(self, qs, name, value):
        return qs.filter(valid_to__isnull=True) if value == "active" else qs.filter(valid_to__isnull=False)


class OrganisationFilter(StyledFilterSet):
    q = FoldedSearchFilter(widget=forms.TextInput(attrs={"type": "search"}))
    type = django_filters.ModelChoiceFilter(label=_("Type"), queryset=OrgType.objects.all())
    level = django_filters.ChoiceFilter(
        label=_("Level"), field_name="unit__level", choices=UnitLevel.choices[:3]
    )
    is_active = ActiveFilter()

    class Meta:
        model = Organisation
        fields = ["q", "type", "level", "is_active"]


class BranchFilter(StyledFilterSet):
    q = FoldedSearchFilter(widget=forms.TextInput(attrs={"type": "search"}))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=BranchKind.choices)
    organisation__type = django_filters.ModelChoiceFilter(
        label=_("Organisation type"), queryset=OrgType.objects.all()
    )
    is_active = ActiveFilter()

    class Meta:
        model = Branch
        fields = ["q", "kind", "organisation__type", "is_active"]
