"""Writes of accounts: roles as data, users, scoped role assignments, sign-in failures."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
        extra = [p for fragment in _role_fragments() for p in fragment.get(item["code"], [])]
        role.permissions.add(*[_permission(p) for p in [*item["permissions"], *extra]])
    return created


def _role_fragments() -> list[dict[str, list[str]]]:
    """Each module may ship `danvan/<app>/roles.json`: {"role_code": ["app.perm", …]} added to the roles."""
    from django.apps import apps

    fragments = []
    for app_config in apps.get_app_configs():
        path = Path(app_config.path) / "roles.json"
        if app_config.name.startswith("danvan.") and path.exists():
            fragments.append(json.loads(path.read_text(encoding="utf-8")))
    return fragments


def _check_admin_scope(actor, perm: str, unit: Unit, organisation: Organisation | None) -> None:
    if not has_scope_permission(actor, perm, unit.path, organisation.path if organisation else None):
        raise PermissionDenied(_("You can only manage accounts and assignments within your own scope."))


def _perm_label(perm: Permission) -> str:
    return f"{perm.content_type.app_label}.{perm.codename}"


# Administrative power (accounts, roles, audit) can only be handed on by someone who holds it; the
# modules' own permissions are given by whoever administers assignments in the scope.
ADMINISTRATIVE_APPS = ("accounts", "core")


def _missing_permission(actor, role: Role, unit_path: str, org_path: str | None) -> Permission | None:
    """The first administrative permission of ``role`` that ``actor`` does not hold over
    (unit_path, org_path), if any."""
    if getattr(actor, "is_superuser", False):
        return None
    perms = role.permissions.filter(content_type__app_label__in=ADMINISTRATIVE_APPS).select_related(
        "content_type"
    )
    for perm in perms:
        if not any(s.covers(unit_path, org_path) for s in user_scopes(actor, _perm_label(perm))):
            return perm
    return None


def _check_user_in_scope(actor, user: User, perm: str) -> None:
    """``user``'s home unit must lie in a scope where ``actor`` holds ``perm`` (accounts without a home
    unit are managed by superusers only)."""
    if not has_scope_permission(actor, perm, user.home_unit_path or "~", None):
        raise PermissionDenied(_("You can only manage accounts and assignments within your own scope."))


def _check_outranks(actor, user: User) -> None:
    """Taking over an account (its e-mail, its password, its second factor) would hand the actor the
    account's permissions: only allowed when the actor already holds them all, wherever the account does."""
    if getattr(actor, "is_superuser", False) or user.pk == getattr(actor, "pk", None):
        return
    if user.is_superuser:
        raise PermissionDenied(_("Only a superuser can manage a superuser's account."))
    today = timezone.localdate()
    pending = (
        RoleAssignment.objects.filter(user=user)
        .exclude(valid_to__lt=today)
        .select_related("role", "unit", "organisation")
    )
    for assignment in pending:
        perm = _missing_permission(actor, assignment.role, assignment.unit_path, assignment.org_path or None)
        if perm is not None:
            raise PermissionDenied(
                _(
                    "This account holds permissions you do not hold yourself (%(perm)s in %(scope)s); "
                    "an administrator with a wider scope must manage it."
                )
                % {"perm": perm.name, "scope": assignment.organisation or assignment.unit}
            )


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
    if not username:
        raise ValidationError({"username": _("Enter a username.")})
    if "@" in username:
        raise ValidationError(
            {
                "username": _(
                    'A username cannot contain "@": people sign in with it or with their e-mail address.'
                )
            }
        )
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
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user: User,
    full_name: str,
    email: str,
    phone: str,
    position: str,
    home_unit: Unit,
    is_active: bool,
) -> User:
    _check_user_in_scope(actor, user, "accounts.change_user")
    _check_admin_scope(actor, "accounts.change_user", home_unit, None)
    _check_outranks(actor, user)
    email = clean(email).lower()
    if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("This e-mail address is already used by another account.")})
    if user.pk == getattr(actor, "pk", None) and not is_active:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    user.full_name, user.email, user.phone, user.position = (
        clean(full_name),
        email,
        clean(phone),
        clean(position),
    )
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
    if not getattr(actor, "is_superuser", False) and user.pk == getattr(actor, "pk", None):
        raise PermissionDenied(_("You cannot give a role to yourself: ask another administrator."))
    if (
        not getattr(actor, "is_superuser", False)
        and not User.objects.visible_to(actor).filter(pk=user.pk).exists()
    ):
        raise PermissionDenied(_("You can only manage accounts and assignments within your own scope."))
    if (
        organisation is not None
        and not organisation.unit_path.startswith(unit.path)
        and not unit.path.startswith(organisation.unit_path)
    ):
        raise ValidationError({"organisation": _("The organisation must be in or above the chosen unit.")})
    missing = _missing_permission(actor, role, unit.path, organisation.path if organisation else None)
    if missing is not None:
        raise PermissionDenied(
            _("You cannot give a role with permissions you do not hold yourself in this scope (%(perm)s).")
            % {"perm": missing.name}
        )
    valid_from = valid_from or timezone.localdate()
    if valid_from < EARLIEST_ASSIGNMENT:
        raise ValidationError(
            {
                "valid_from": _("The start date cannot be before %(year)s.")
                % {"year": EARLIEST_ASSIGNMENT.year}
            }
        )
    if valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})
    # The account's row is locked so that two administrators giving the same role at the same moment
    # cannot both pass the check below.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    same = _overlapping_assignment(user, role, unit, organisation, valid_from, valid_to)
    if same is not None:
        raise ValidationError(_same_assignment_message(same))
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


def _overlapping_assignment(
    user: User,
    role: Role,
    unit: Unit,
    organisation: Organisation | None,
    valid_from: date,
    valid_to: date | None,
) -> RoleAssignment | None:
    """An assignment of the same role over the same unit and organisation to ``user`` whose period shares at
    least a day with [valid_from, valid_to] (None: no end)."""
    qs = RoleAssignment.objects.filter(user=user, role=role, unit=unit, organisation=organisation).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    )
    if valid_to is not None:
        qs = qs.filter(valid_from__lte=valid_to)
    return qs.order_by("valid_from").first()


def _same_assignment_message(same: RoleAssignment) -> str:
    values = {"start": f"{same.valid_from:%d/%m/%Y}"}
    if same.valid_to is None:
        return (
            _(
                "This person already holds this role over the same unit and organisation from %(start)s, "
                "with no end date: the periods overlap. End that assignment first, or choose other dates."
            )
            % values
        )
    values["end"] = f"{same.valid_to:%d/%m/%Y}"
    return (
        _(
            "This person already holds this role over the same unit and organisation from %(start)s to "
            "%(end)s: the periods overlap. End that assignment first, or choose other dates."
        )
        % values
    )


@transaction.atomic
def assignment_end(*, actor, assignment: RoleAssignment, on: date | None = None) -> RoleAssignment:
    """Stop ``assignment`` from granting anything from ``on`` (default: today, i.e. at once).

    The assignment then ends the day before ``on``. One that would end before it starts (it starts on
    ``on`` or later) never took effect before and is deleted; its row history keeps the trace.
    """
    _check_admin_scope(actor, "accounts.delete_roleassignment", assignment.unit, assignment.organisation)
    on = on or timezone.localdate()
    last_day = on - timedelta(days=1)
    if assignment.valid_to is not None and assignment.valid_to <= last_day:
        return assignment  # already over by then
    if last_day < assignment.valid_from:
        assignment.delete()
    else:
        assignment.valid_to = last_day
        assignment.save(update_fields=["valid_to"])
    forget_scopes(assignment.user)
    return assignment


@transaction.atomic
def user_set_password(*, actor, user: User, password: str) -> User:
    """Set ``user``'s password (validated); clears a sign-in lock. An account's own holder may always
    do it; anyone else must manage the account and hold every permission it holds."""
    if user.pk != getattr(actor, "pk", None):
        _check_user_in_scope(actor, user, "accounts.change_user")
        _check_outranks(actor, user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["password", "failed_login_count", "locked_until"])
    return user


def password_reset_send(*, user: User, domain: str, use_https: bool, new_account: bool = False) -> bool:
    """E-mail ``user`` a one-time link to choose a password. False when the account has no e-mail."""
    from django.contrib.auth.forms import PasswordResetForm
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    if not user.email or not user.is_active:
        return False
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
        "new_account": new_account,
    }
    PasswordResetForm().send_mail(
        "accounts/password_reset_subject.txt",
        "accounts/password_reset_email.txt",
        context,
        None,
        user.email,
    )
    return True


def user_send_password_reset(
    *, actor, user: User, domain: str, use_https: bool, new_account: bool = False
) -> None:
    """An administrator sends ``user`` a link to choose a (new) password."""
    _check_user_in_scope(actor, user, "accounts.change_user")
    _check_outranks(actor, user)
    if not user.is_active:
        raise ValidationError(_("This account is disabled: activate it first."))
    if not user.email:
        raise ValidationError(_("This account has no e-mail address: add one first, or set a password."))
    password_reset_send(user=user, domain=domain, use_https=use_https, new_account=new_account)


@transaction.atomic
def user_unlock(*, actor, user: User) -> User:
    """Lift a sign-in lock before its time."""
    _check_user_in_scope(actor, user, "accounts.change_user")
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["failed_login_count", "locked_until"])
    return user


# an assignment back-dated further than this is a typing error (01/01/1900), not history
EARLIEST_ASSIGNMENT = date(1990, 1, 1)

OWN_SECOND_FACTOR = gettext_lazy(
    "You cannot reset your own two-factor sign-in: ask another administrator, or change your "
    "authenticator app on the “Two-factor sign-in” page."
)


@transaction.atomic
def user_reset_second_factor(*, actor, user: User) -> int:
    """Remove the account's authenticator devices (a lost phone): it enrols a new one at next sign-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if actor.pk == user.pk:
        # removing one's own second factor would let a stolen password alone open the account
        raise ValidationError(str(OWN_SECOND_FACTOR))
    _check_user_in_scope(actor, user, "accounts.change_user")
    _check_outranks(actor, user)
    deleted, _details = TOTPDevice.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def role_set_requires_2fa(*, actor, role: Role, requires_2fa: bool) -> Role:
    """Roles are platform-wide: only a superuser may change one."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Roles are shared by the whole platform: only a superuser can change them."))
    role.requires_2fa = requires_2fa
    role.save(update_fields=["requires_2fa"])
    return role


def login_failed(*, user: User) -> datetime | None:
    """Count a failed sign-in; lock the account for a while after too many. Returns the end of the lock
    when this failure locked the account, else None."""
    user.refresh_from_db(fields=["failed_login_count", "locked_until"])
    count = user.failed_login_count + 1
    fields = {"failed_login_count": count}
    locked_until = None
    if count >= settings.LOCKOUT_THRESHOLD:
        locked_until = timezone.now() + timezone.timedelta(minutes=settings.LOCKOUT_MINUTES)
        fields = {"failed_login_count": 0, "locked_until": locked_until}
    User.objects.filter(pk=user.pk).update(**fields)
    return locked_until


def login_succeeded(*, user: User) -> None:
    if user.failed_login_count or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)


class TotpResult(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    THROTTLED = "throttled"


def totp_enrolment_start(*, user: User):
    """The account's unconfirmed authenticator device, created on first need (its secret stays the same
    until the enrolment is confirmed, so a reloaded page shows the same QR code)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


@transaction.atomic
def totp_verify(*, user: User, device, token: str) -> TotpResult:
    """Check a one-time code of the user's device (replays and bursts of wrong codes are refused by
    django-otp); a first right code confirms an enrolment."""
    if device.user_id != user.pk:
        raise PermissionDenied
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return TotpResult.THROTTLED
    if not device.verify_token(token):
        return TotpResult.WRONG
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return TotpResult.OK


def requires_second_factor(user: User) -> bool:
    today = timezone.localdate()
    return RoleAssignment.objects.active_on(today).filter(user=user, role__requires_2fa=True).exists()
