"""Reads shared by every module."""

from __future__ import annotations

from danvan.structure.models import Branch, Organisation, Unit, UnitLevel


def home_summary(*, actor) -> dict[str, int]:
    units = Unit.objects.visible_to(actor).active()
    return {
        "communes": units.filter(level=UnitLevel.COMMUNE).count(),
        "villages": units.filter(level=UnitLevel.VILLAGE).count(),
        "organisations": Organisation.objects.visible_to(actor).filter(is_active=True).count(),
        "branches": Branch.objects.visible_to(actor).filter(is_active=True).count(),
    }
