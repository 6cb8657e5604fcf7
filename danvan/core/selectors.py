"""Reads shared by every module."""

from __future__ import annotations

from danvan.structure.models import Branch, Organisation, Unit, UnitLevel


def home_summary(*, actor) -> dict[str, int]:
    """The structure's figures the user's roles let them see (a figure they may not see is left out, not
    shown as 0)."""
    summary = {}
    if actor.has_perm("structure.view_unit"):
        units = Unit.objects.visible_to(actor).active()
        summary["communes"] = units.filter(level=UnitLevel.COMMUNE).count()
        summary["villages"] = units.filter(level=UnitLevel.VILLAGE).count()
    if actor.has_perm("structure.view_organisation"):
        summary["organisations"] = Organisation.objects.visible_to(actor).filter(is_active=True).count()
    if actor.has_perm("structure.view_branch"):
        summary["branches"] = Branch.objects.visible_to(actor).filter(is_active=True).count()
    return summary
