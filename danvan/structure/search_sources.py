"""What the top bar's search finds in the structure: units, organisations, branches (registered from
StructureConfig.ready())."""

from __future__ import annotations

from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from danvan.core.search import SearchHit, SearchSource, by_filterset
from danvan.structure.filters import BranchFilter, OrganisationFilter, UnitFilter
from danvan.structure.models import Branch, Organisation, Unit


def _unit(unit: Unit) -> SearchHit:
    parent = unit.parent.name if unit.parent_id else ""
    detail = " · ".join(p for p in (unit.kind_label, parent) if p)
    return SearchHit(unit.name, unit.get_absolute_url(), detail)


def _organisation(org: Organisation) -> SearchHit:
    return SearchHit(org.name, org.get_absolute_url(), org.unit.name)


def _branch(branch: Branch) -> SearchHit:
    return SearchHit(
        branch.name, branch.get_absolute_url(), f"{branch.organisation.name} · {branch.unit.name}"
    )


SOURCES = [
    SearchSource(
        _("Administrative units"),
        "structure:unit-list",
        "structure.view_unit",
        lambda user: Unit.objects.visible_to(user).select_related("parent").order_by(Length("path"), "name"),
        by_filterset(UnitFilter),
        _unit,
        order=10,
    ),
    SearchSource(
        _("Organisations"),
        "structure:organisation-list",
        "structure.view_organisation",
        lambda user: Organisation.objects.visible_to(user).select_related("unit").order_by("name"),
        by_filterset(OrganisationFilter),
        _organisation,
        order=11,
    ),
    SearchSource(
        _("Branches"),
        "structure:branch-list",
        "structure.view_branch",
        lambda user: Branch.objects.visible_to(user).select_related("organisation", "unit").order_by("name"),
        by_filterset(BranchFilter),
        _branch,
        order=12,
    ),
]
