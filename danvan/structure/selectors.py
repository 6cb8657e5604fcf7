"""Reads of the administrative structure, always from ``visible_to``."""

from __future__ import annotations

from django.db.models import Count, Q

from danvan.structure.models import Branch, Organisation, OrgType, Unit, UnitLevel


def units_visible(*, actor, action: str = "view"):
    return Unit.objects.visible_to(actor, action)


def unit_children(*, actor, unit: Unit):
    return (
        Unit.objects.visible_to(actor)
        .filter(parent=unit)
        .annotate(n_children=Count("children", filter=Q(children__valid_to__isnull=True)))
        .order_by("level", "valid_to", "name")
    )


def unit_counts(*, actor, unit: Unit) -> dict[str, int]:
    units = Unit.objects.visible_to(actor).filter(path__startswith=unit.path).exclude(pk=unit.pk).active()
    return {
        "communes": units.filter(level=UnitLevel.COMMUNE).count(),
        "villages": units.filter(level=UnitLevel.VILLAGE).count(),
        "organisations": Organisation.objects.visible_to(actor).filter(unit_path__startswith=unit.path, is_active=True).count(),
        "branches": Branch.objects.visible_to(actor).filter(unit_path__startswith=unit.path, is_active=True).count(),
    }


def organisations_visible(*, actor, action: str = "view"):
    return Organisation.objects.visible_to(actor, action).select_related("type", "unit", "parent")


def branches_visible(*, actor, action: str = "view"):
    return Branch.objects.visible_to(actor, action).select_related("organisation", "unit", "parent")


def org_types():
    return OrgType.objects.filter(is_active=True)
