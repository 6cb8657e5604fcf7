"""Reads of accounts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.accounts.models import Role, RoleAssignment, User
from danvan.core.scoping import user_scopes
from danvan.structure.models import Organisation, Unit


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
    """The assignments of ``user`` that ``actor`` may see, current first."""
    return (
        RoleAssignment.objects.visible_to(actor)
        .filter(user=user)
        .select_related("role", "unit", "organisation")
        .order_by("-valid_to", "role__name")
    )


def own_assignments(*, actor):
    """Everyone may read their own role assignments (whatever their permissions)."""
    return (
        RoleAssignment.objects.filter(user=actor)
        .select_related("role", "unit", "organisation")
        .order_by("-valid_to", "role__name")
    )


def users_visible(*, actor, action: str = "view"):
    return User.objects.visible_to(actor, action).select_related("home_unit")


def user_get(*, actor, pk: int, action: str = "view") -> User | None:
    return users_visible(actor=actor, action=action).filter(pk=pk).first()


def assignments_visible(*, actor, action: str = "view"):
    return RoleAssignment.objects.visible_to(actor, action).select_related(
        "user", "role", "unit", "organisation"
    )


def assignment_get(*, actor, pk: int, action: str = "view") -> RoleAssignment | None:
    return assignments_visible(actor=actor, action=action).filter(pk=pk).first()


def roles_all():
    return Role.objects.prefetch_related("permissions")


def role_get(*, actor, pk: int) -> Role | None:
    """Roles are platform-wide data: whoever may view roles sees them all."""
    if not actor.has_perm("accounts.view_role"):
        return None
    return Role.objects.filter(pk=pk).first()


def _scope_condition(actor, perm: str, unit_field: str, org_field: str | None) -> Q | None:
    """Q over the scopes where ``actor`` holds ``perm``; None means everything (superuser)."""
    if actor.is_superuser:
        return None
    condition = Q(pk__in=[])
    for scope in user_scopes(actor, perm):
        part = Q(**{f"{unit_field}__startswith": scope.unit_path})
        if scope.org_path:
            if org_field is None:
                continue
            part &= Q(**{f"{org_field}__startswith": scope.org_path})
        condition |= part
    return condition


def units_where(*, actor, perm: str, org_bound: bool = False):
    """Units in force, visible to ``actor``, in which ``actor`` holds ``perm``. Scopes narrowed to an
    organisation count only when ``org_bound`` (the unit will be paired with an organisation)."""
    qs = Unit.objects.visible_to(actor).filter(valid_to__isnull=True).order_by("path")
    if actor.is_superuser:
        return qs
    condition = Q(pk__in=[])
    for scope in user_scopes(actor, perm):
        if scope.org_path and not org_bound:
            continue
        condition |= Q(path__startswith=scope.unit_path)
    return qs.filter(condition)


def organisations_where(*, actor, perm: str):
    """Active organisations visible to ``actor`` in which ``actor`` holds ``perm``."""
    qs = Organisation.objects.visible_to(actor).filter(is_active=True).select_related("unit").order_by("path")
    condition = _scope_condition(actor, perm, "unit_path", "path")
    return qs if condition is None else qs.filter(condition)


def can(actor, perm: str, unit_path: str, org_path: str | None = None) -> bool:
    from danvan.core.scoping import has_scope_permission

    return has_scope_permission(actor, perm, unit_path, org_path)


def totp_device(*, user: User):
    """The account's confirmed authenticator device, if any."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def second_factor_status(*, user: User) -> dict:
    from danvan.accounts.services import requires_second_factor

    return {"enrolled": totp_device(user=user) is not None, "required": requires_second_factor(user)}


ACTIONS = ("view", "add", "change", "delete")


@dataclass
class PermissionRow:
    label: str
    actions: dict[str, bool] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)


@dataclass
class PermissionGroup:
    label: str
    rows: list[PermissionRow] = field(default_factory=list)


def role_permission_matrix(*, role: Role) -> list[PermissionGroup]:
    """The role's permissions by app and model, as view/add/change/delete ticks (labels translated)."""
    from django.apps import apps

    groups: dict[str, PermissionGroup] = {}
    rows: dict[tuple[str, str], PermissionRow] = {}
    perms = role.permissions.select_related("content_type").order_by(
        "content_type__app_label", "content_type__model"
    )
    for perm in perms:
        ct = perm.content_type
        model = ct.model_class()
        try:
            app_label = str(apps.get_app_config(ct.app_label).verbose_name)
        except LookupError:
            app_label = ct.app_label
        group = groups.setdefault(ct.app_label, PermissionGroup(app_label))
        key = (ct.app_label, ct.model)
        if key not in rows:
            label = str(model._meta.verbose_name_plural).capitalize() if model else ct.model
            rows[key] = PermissionRow(label, dict.fromkeys(ACTIONS, False))
            group.rows.append(rows[key])
        action = perm.codename.split("_", 1)[0]
        if action in ACTIONS and perm.codename == f"{action}_{ct.model}":
            rows[key].actions[action] = True
        else:
            # Stored in English (the migration's text); the msgid is in the owning app's catalogue.
            rows[key].others.append(_(perm.name))
    return list(groups.values())
