"""Reads of accounts."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.accounts.models import Role, RoleAssignment, User


def scope_summary(*, actor) -> str:
    """A short description of where the user works: "Tỉnh Vĩnh Long" or "Xã An Phú (+2)"."""
    if actor.is_superuser:
        return _("Whole country (superuser)")
    cached = actor.__dict__.get("_danvan_scope_summary")
    if cached is not None:
        return cached
    rows = list(
        RoleAssignment.objects.active_on(timezone.localdate())
        .filter(user=actor)
        .select_related("unit", "organisation")
        .order_by("unit__depth")[:5]
    )
    names = []
    for a in rows:
        label = a.organisation.name if a.organisation else a.unit.name
        if label not in names:
            names.append(label)
    text = names[0] + (f" (+{len(names) - 1})" if len(names) > 1 else "") if names else ""
    actor.__dict__["_danvan_scope_summary"] = text
    return text


def user_assignments(*, actor, user: User):
    return RoleAssignment.objects.visible_to(actor).filter(user=user).select_related("role", "unit", "organisation")


def users_visible(*, actor):
    return User.objects.visible_to(actor).select_related("home_unit")


def roles_all():
    return Role.objects.prefetch_related("permissions")
