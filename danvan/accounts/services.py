"""Writes of accounts: roles as data, users, scoped role assignments, sign-in failures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.accounts.models import Role, RoleAssignment, User
from danvan.core.scoping import forget_scopes, has_scope_permission, user_scopes
from danvan.core.text import clean
from danvan.structure.models import Organisation, Unit

DATA_DIR = Path(settings.BASE_DIR) / "data"


def _permission(label: str) -> Permission:
    app_label, codename = label.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def roles_seed(*, data_dir: Path = DATA_DIR) -> int:
    """Create the default roles and add the permissions they lack (never removes what an admin set)."""
    spec = json.loads((data_dir / "roles.json").read_text(encoding="utf-8"))
    created = 0
    for item in spec["roles"]:
        role, was_created = Role.objects.get_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "description": item["description"],
                "requires_2fa": item["requires_2fa"],
                "is_system": True,
            },
        )
        created += was_created
        role.permissions.add(*[_permission(p) for p in item["permissions"]])
    return created


def _check_admin_scope(actor, perm: str, unit: Unit, organisation: Organisation | None) -> None:
    if not has_scope_permission(actor, perm, unit.path, organisation.path if organisation else None):
        raise PermissionDenied(_("You can only manage accounts and assignments within your own scope."))


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    full_name: str,
    email: str = "",
    phone: str = "",
    position: str = "",
    home_unit: Unit,
    password: str | None = None,
) -> User:
    _check_admin_scope(actor, "accounts.add_user", home_unit, None)
    username = clean(username).lower()
    email = clean(email).lower()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    if email and User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("This e-mail address is already used by another account.")})
    user = User(
        username=username,
        full_name=clean(full_name),
        email=email,
        phone=clean(phone),
        position=clean(position),
        home_unit=home_unit,
        home_unit_path=home_unit.path,
    )
    if password:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def user_update(*, actor, user: User, full_name: str, email: str, phone: str, position: str, home_unit: Unit, is_active: bool) -> User:
    _check_admin_scope(actor, "accounts.change_user", Unit(path=user.home_unit_path or "~"), None)
    _check_admin_scope(actor, "accounts.change_user", home_unit, None)
    email = clean(email).lower()
    if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("This e-mail address is already used by another account.")})
    if user.pk == getattr(actor, "pk", None) and not is_active:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    user.full_name, user.email, user.phone, user.position = clean(full_name), email, clean(phone), clean(position)
    user.home_unit, user.home_unit_path, user.is_active = home_unit, home_unit.path, is_active
    user.save()
    return user


@transaction.atomic
def assignment_create(
    *,
    actor,
    user: User,
    role: Role,
    unit: Unit,
    organisation: Organisation | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> RoleAssignment:
    """Give ``user`` the ``role`` over ``unit``'s subtree (and ``organisation``'s). The actor must hold the
    assignment permission there and may not hand out permissions it does not hold there itself."""
    _check_admin_scope(actor, "accounts.add_roleassignment", unit, organisation)
    if organisation is not None and not organisation.unit_path.startswith(unit.path) and not unit.path.startswith(organisation.unit_path):
        raise ValidationError({"organisation": _("The organisation must be in or above the chosen unit.")})
    if not getattr(actor, "is_superuser", False):
        for perm in role.permissions.select_related("content_type"):
            label = f"{perm.content_type.app_label}.{perm.codename}"
            if not any(s.covers(unit.path, organisation.path if organisation else None) for s in user_scopes(actor, label)):
                raise PermissionDenied(
                    _("You cannot give a role with permissions you do not hold yourself in this scope (%(perm)s).")
                    % {"perm": perm.name}
                )
    valid_from = valid_from or timezone.localdate()
    if valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        unit=unit,
        unit_path=unit.path,
        organisation=organisation,
        org_path=organisation.path if organisation else "",
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    forget_scopes(user)
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment: RoleAssignment, on: date | None = None) -> RoleAssignment:
    _check_admin_scope(actor, "accounts.delete_roleassignment", assignment.unit, assignment.organisation)
    on = on or timezone.localdate()
    if on < assignment.valid_from:
        on = assignment.valid_from
    assignment.valid_to = on
    assignment.save(update_fields=["valid_to"])
    forget_scopes(assignment.user)
    return assignment


def login_failed(*, user: User) -> None:
    """Count a failed sign-in; lock the account for a while after too many."""
    user.refresh_from_db(fields=["failed_login_count", "locked_until"])
    count = user.failed_login_count + 1
    fields = {"failed_login_count": count}
    if count >= settings.LOCKOUT_THRESHOLD:
        fields = {
            "failed_login_count": 0,
            "locked_until": timezone.now() + timezone.timedelta(minutes=settings.LOCKOUT_MINUTES),
        }
    User.objects.filter(pk=user.pk).update(**fields)


def login_succeeded(*, user: User) -> None:
    if user.failed_login_count or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)


def requires_second_factor(user: User) -> bool:
    today = timezone.localdate()
    return RoleAssignment.objects.active_on(today).filter(user=user, role__requires_2fa=True).exists()
