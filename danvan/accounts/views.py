"""Sign-in (username or e-mail, lockout, TOTP second factor), profile, and account administration."""

from __future__ import annotations

import base64
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from danvan.accounts import selectors, services
from danvan.accounts.filters import AssignmentFilter, UserFilter
from danvan.accounts.forms import (
    AdminSetPasswordForm,
    AssignmentForm,
    LoginForm,
    OwnPasswordChangeForm,
    ResetSetPasswordForm,
    RoleSecondFactorForm,
    StyledPasswordResetForm,
    TokenForm,
    UserCreateForm,
    UserUpdateForm,
    add_service_error,
)
from danvan.accounts.models import Role, RoleAssignment, User
from danvan.accounts.tables import AssignmentTable, RoleTable, UserTable
from danvan.core.views import ScopedDetailView, ScopedListView

# ---------------------------------------------------------------------------------------------------------
# Sign-in, second factor, own account


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@sensitive_post_parameters("password")
@never_cache
@csrf_protect
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        needs_2fa = (
            services.requires_second_factor(user)
            or TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        )
        if needs_2fa:
            request.session["danvan_2fa_required"] = True
            return redirect(reverse("accounts:two-factor") + "?" + urlencode({"next": _safe_next(request)}))
        return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")})


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


def _qr_data_uri(device: TOTPDevice) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    img.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def two_factor_view(request):
    """Verify the one-time code; a user without a confirmed device enrols one here first."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None and user.is_verified():
        return render(
            request, "accounts/two_factor.html", {"verified": True, "status": _two_factor_status(user)}
        )
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name=_("Authenticator app"), confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", _("Too many wrong codes in a row: wait a few seconds, then try again."))
        elif device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(request, _("Two-factor sign-in is now active for your account."))
            otp_login(request, device)
            request.session["danvan_2fa_required"] = False
            return redirect(_safe_next(request))
        else:
            form.add_error("token", _("The code is wrong or has expired. Wait for the next code and try again."))
    context = {
        "form": form,
        "enrolling": enrolling,
        "pending": bool(request.session.get("danvan_2fa_required")),
        "next": _safe_next(request, ""),
        "status": _two_factor_status(user),
    }
    if enrolling:
        context["qr"] = _qr_data_uri(device)
        context["secret"] = _grouped(base64.b32encode(device.bin_key).decode())
    return render(request, "accounts/two_factor.html", context)


def _two_factor_status(user) -> dict:
    return selectors.second_factor_status(user=user)


@login_required
def profile_view(request):
    return render(
        request,
        "accounts/profile.html",
        {
            "assignments": selectors.own_assignments(actor=request.user),
            "second_factor": _two_factor_status(request.user),
        },
    )


class OwnPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    form_class = StyledPasswordResetForm
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = ResetSetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")


# ---------------------------------------------------------------------------------------------------------
# Administration of accounts and assignments, within the administrator's scope


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You do not have permission to do this.")
    return " ".join(exc.messages)


def _user_or_404(request, pk: int, action: str = "view") -> User:
    account = selectors.user_get(actor=request.user, pk=pk, action=action)
    if account is None:
        raise Http404
    return account


def _confirm_or_run(request, *, title, question, button, run, success, back_url, danger=False):
    """GET: a confirmation page (works without JavaScript). POST: run the service, report, go back."""
    if request.method == "POST":
        try:
            run()
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, success)
        return redirect(back_url)
    return render(
        request,
        "accounts/confirm.html",
        {"title": title, "question": question, "button": button, "back_url": back_url, "danger": danger},
    )


class UserListView(ScopedListView):
    model = User
    table_class = UserTable
    filterset_class = UserFilter
    page_title = _lazy("Users")
    export_name = "tai-khoan"
    create_url_name = "accounts:user-create"

    def get_queryset(self):
        return super().get_queryset().select_related("home_unit")


class UserDetailView(ScopedDetailView):
    model = User
    template_name = "accounts/user_detail.html"
    context_object_name = "account"

    def get_context_data(self, **kwargs):
        from django.utils import timezone

        context = super().get_context_data(**kwargs)
        actor, account = self.request.user, self.object
        today = timezone.localdate()
        rows = []
        for assignment in selectors.user_assignments(actor=actor, user=account):
            open_ = assignment.valid_to is None or assignment.valid_to >= today
            can_end = open_ and selectors.can(
                actor, "accounts.delete_roleassignment", assignment.unit_path, assignment.org_path or None
            )
            status = "ended" if not open_ else ("upcoming" if assignment.valid_from > today else "current")
            rows.append({"assignment": assignment, "can_end": can_end, "status": status})
        context["assignments"] = rows
        context["can_change"] = selectors.can(actor, "accounts.change_user", account.home_unit_path or "~")
        context["can_assign"] = actor.has_perm("accounts.add_roleassignment")
        context["is_self"] = account.pk == actor.pk
        context["second_factor"] = selectors.second_factor_status(user=account)
        return context


@login_required
def user_create_view(request):
    actor = request.user
    units = selectors.units_where(actor=actor, perm="accounts.add_user")
    if not units.exists():
        raise PermissionDenied
    form = UserCreateForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.user_create(
                actor=actor,
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                position=data["position"],
                home_unit=data["home_unit"],
                password=data["password1"] or None,
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": account.username})
            if not data["password1"] and data["send_invite"]:
                _send_reset(request, account, new_account=True)
            messages.info(request, _("Give the account a role assignment so that it can work."))
            return redirect("accounts:user-detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


def _send_reset(request, account: User, *, new_account: bool = False) -> bool:
    import logging

    try:
        services.user_send_password_reset(
            actor=request.user,
            user=account,
            domain=request.get_host(),
            use_https=request.is_secure(),
            new_account=new_account,
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
        return False
    except Exception:  # the mail server: the account itself is saved
        logging.getLogger(__name__).exception("password e-mail to user %s failed", account.pk)
        messages.warning(request, _("The e-mail could not be sent. Try again later, or set a password."))
        return False
    messages.success(
        request, _("A link to choose a password was e-mailed to %(email)s.") % {"email": account.email}
    )
    return True


@login_required
def user_update_view(request, pk: int):
    actor = request.user
    account = _user_or_404(request, pk, "change")
    is_self = account.pk == actor.pk
    initial = {
        "full_name": account.full_name,
        "email": account.email,
        "phone": account.phone,
        "position": account.position,
        "home_unit": account.home_unit_id,
        "is_active": account.is_active,
    }
    units = selectors.units_where(actor=actor, perm="accounts.change_user")
    form = UserUpdateForm(request.POST or None, initial=initial, units=units, is_self=is_self)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=actor,
                user=account,
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                position=data["position"],
                home_unit=data["home_unit"],
                is_active=data["is_active"],
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Saved: %(obj)s") % {"obj": account})
            return redirect("accounts:user-detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"form": form, "account": account, "creating": False})


@sensitive_post_parameters("new_password1", "new_password2")
@login_required
def user_password_view(request, pk: int):
    account = _user_or_404(request, pk, "change")
    if account.pk == request.user.pk:
        return redirect("accounts:password-change")
    form = AdminSetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user, user=account, password=form.cleaned_data["new_password1"]
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The password of %(name)s has been set.") % {"name": account.username}
            )
            return redirect("accounts:user-detail", pk=account.pk)
    return render(request, "accounts/user_password.html", {"form": form, "account": account})


@login_required
def user_send_reset_view(request, pk: int):
    account = _user_or_404(request, pk, "change")
    back = reverse("accounts:user-detail", args=[account.pk])
    if request.method == "POST":
        _send_reset(request, account)
        return redirect(back)
    return render(
        request,
        "accounts/confirm.html",
        {
            "title": _("Send a password reset link"),
            "question": _("E-mail %(name)s a one-time link to choose a new password, at %(email)s?")
            % {"name": account.display_name, "email": account.email or "—"},
            "button": _("Send the link"),
            "back_url": back,
        },
    )


@login_required
def user_unlock_view(request, pk: int):
    account = _user_or_404(request, pk, "change")
    return _confirm_or_run(
        request,
        title=_("Unlock the account"),
        question=_("Allow %(name)s to sign in again now, before the lock expires?")
        % {"name": account.display_name},
        button=_("Unlock"),
        run=lambda: services.user_unlock(actor=request.user, user=account),
        success=_("The account is unlocked."),
        back_url=reverse("accounts:user-detail", args=[account.pk]),
    )


@login_required
def user_reset_2fa_view(request, pk: int):
    account = _user_or_404(request, pk, "change")
    return _confirm_or_run(
        request,
        title=_("Reset two-factor sign-in"),
        question=_(
            "Remove the authenticator app of %(name)s (for example after a lost phone)? "
            "The person will set up a new one at the next sign-in."
        )
        % {"name": account.display_name},
        button=_("Reset"),
        run=lambda: services.user_reset_second_factor(actor=request.user, user=account),
        success=_("Two-factor sign-in has been reset for this account."),
        back_url=reverse("accounts:user-detail", args=[account.pk]),
        danger=True,
    )


class AssignmentListView(ScopedListView):
    model = RoleAssignment
    table_class = AssignmentTable
    filterset_class = AssignmentFilter
    page_title = _lazy("Role assignments")
    export_name = "phan-quyen"
    create_url_name = "accounts:assignment-create"

    def get_queryset(self):
        return super().get_queryset().select_related("user", "role", "unit", "organisation")


@login_required
def assignment_create_view(request):
    actor = request.user
    units = selectors.units_where(actor=actor, perm="accounts.add_roleassignment", org_bound=True)
    if not units.exists():
        raise PermissionDenied
    users = selectors.users_visible(actor=actor)
    fixed_user = None
    if request.GET.get("user"):
        try:
            fixed_user = users.filter(pk=int(request.GET["user"])).first()
        except ValueError:
            fixed_user = None
        if fixed_user is None:
            raise Http404
    form = AssignmentForm(
        request.POST or None,
        users=users,
        units=units,
        organisations=selectors.organisations_where(actor=actor, perm="accounts.add_roleassignment"),
        fixed_user=fixed_user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = services.assignment_create(
                actor=actor,
                user=data["user"],
                role=data["role"],
                unit=data["unit"],
                organisation=data["organisation"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Role assignment added: %(obj)s") % {"obj": assignment})
            return redirect("accounts:user-detail", pk=assignment.user_id)
    return render(request, "accounts/assignment_form.html", {"form": form, "fixed_user": fixed_user})


@login_required
def assignment_end_view(request, pk: int):
    from django.utils import timezone

    assignment = selectors.assignment_get(actor=request.user, pk=pk, action="delete")
    if assignment is None:
        raise Http404
    default = reverse("accounts:assignment-list")
    if selectors.user_get(actor=request.user, pk=assignment.user_id) is not None:
        default = reverse("accounts:user-detail", args=[assignment.user_id])
    back = _safe_next(request, default)
    if assignment.valid_to is not None and assignment.valid_to < timezone.localdate():
        messages.info(request, _("This assignment has already ended."))
        return redirect(back)
    return _confirm_or_run(
        request,
        title=_("End the role assignment"),
        question=_("End %(assignment)s now? The person loses this role's permissions at once.")
        % {"assignment": assignment},
        button=_("End the assignment"),
        run=lambda: services.assignment_end(actor=request.user, assignment=assignment),
        success=_("The assignment has ended."),
        back_url=back,
        danger=True,
    )


class RoleListView(ScopedListView):
    """Roles are platform-wide data; anyone allowed to view roles sees them all."""

    model = Role
    table_class = RoleTable
    filterset_class = None
    page_title = _lazy("Roles")
    export_name = "vai-tro"

    def get_queryset(self):
        if not self.request.user.has_perm("accounts.view_role"):
            return Role.objects.none()
        return selectors.roles_all()


def _role_or_404(request, pk: int):
    role = selectors.role_get(actor=request.user, pk=pk)
    if role is None:
        raise Http404
    return role


@login_required
def role_detail_view(request, pk: int):
    from django.utils import timezone

    role = _role_or_404(request, pk)
    holders = (
        selectors.assignments_visible(actor=request.user).filter(role=role).active_on(timezone.localdate())
    )
    return render(
        request,
        "accounts/role_detail.html",
        {
            "role": role,
            "groups": selectors.role_permission_matrix(role=role),
            "actions": selectors.ACTIONS,
            "holders": holders.count(),
        },
    )


@login_required
def role_update_view(request, pk: int):
    role = _role_or_404(request, pk)
    may_edit = request.user.is_superuser
    form = RoleSecondFactorForm(request.POST or None, initial={"requires_2fa": role.requires_2fa})
    if not may_edit:
        form.fields["requires_2fa"].disabled = True
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.role_set_requires_2fa(
                    actor=request.user, role=role, requires_2fa=form.cleaned_data["requires_2fa"]
                )
            except (ValidationError, PermissionDenied) as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Saved: %(obj)s") % {"obj": role})
                return redirect("accounts:role-detail", pk=role.pk)
    return render(request, "accounts/role_form.html", {"role": role, "form": form, "may_edit": may_edit})
