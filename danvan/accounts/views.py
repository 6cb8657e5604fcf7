"""Sign-in (username or e-mail, lockout, TOTP second factor), profile, and account administration."""

from __future__ import annotations

import base64
import io
import logging
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
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django.views.generic import View
from django.views.generic.detail import SingleObjectMixin
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from danvan.accounts import selectors, services
from danvan.accounts.filters import AssignmentFilter, RoleFilter, UserFilter
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
from danvan.core.views import ScopedDetailView, ScopedListView, ScopedQuerysetMixin

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------
# Sign-in, second factor, own account


def _posted(request):
    """The submitted data on POST (even when empty: a lone unticked checkbox), else None."""
    return request.POST if request.method == "POST" else None


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
    form = LoginForm(request, data=_posted(request))
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        needs_2fa = services.requires_second_factor(user) or selectors.totp_device(user=user) is not None
        if needs_2fa:
            request.session["danvan_2fa_required"] = True
            return redirect(reverse("accounts:two-factor") + "?" + urlencode({"next": _safe_next(request)}))
        return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")})


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def logout_view(request):
    """POST signs out. GET (a typed or bookmarked address) asks first: signing out by a mere link would let
    any page sign the user out; someone not signed in is sent to the sign-in page."""
    if request.method == "GET":
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        return render(
            request, "accounts/logout.html", {"back_url": _safe_next(request, reverse("core:home"))}
        )
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
    device = selectors.totp_device(user=user)
    if device is not None and user.is_verified():
        return render(
            request, "accounts/two_factor.html", {"verified": True, "status": _two_factor_status(user)}
        )
    enrolling = device is None
    if enrolling:
        device = services.totp_enrolment_start(user=user)
    form = TokenForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        result = services.totp_verify(user=user, device=device, token=form.cleaned_data["token"])
        if result == services.TotpResult.THROTTLED:
            form.add_error("token", _("Too many wrong codes in a row: wait a few seconds, then try again."))
        elif result == services.TotpResult.WRONG:
            form.add_error(
                "token", _("The code is wrong or has expired. Wait for the next code and try again.")
            )
        else:
            if enrolling:
                messages.success(request, _("Two-factor sign-in is now active for your account."))
            otp_login(request, device)
            request.session["danvan_2fa_required"] = False
            return redirect(_safe_next(request))
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


class ScopedObjectView(ScopedQuerysetMixin, SingleObjectMixin, View):
    """A page about one record, looked up through ``visible_to(user, scope_action)`` before anything else:
    a record out of scope answers 404 whatever the method."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)


class ConfirmActionView(ScopedObjectView):
    """GET: a confirmation page (works without JavaScript). POST: run the service, report, go back."""

    http_method_names = ["get", "post"]
    danger = False

    def texts(self) -> dict:
        raise NotImplementedError

    def run(self) -> None:
        raise NotImplementedError

    def back_url(self) -> str:
        return reverse("accounts:user-detail", args=[self.object.pk])

    def crumbs(self) -> list[tuple[str, str]]:
        return [
            (_("Users"), reverse("accounts:user-list")),
            (self.object.username, reverse("accounts:user-detail", args=[self.object.pk])),
        ]

    def get(self, request, *args, **kwargs):
        texts = self.texts()
        return render(
            request,
            "accounts/confirm.html",
            {
                "object": self.object,
                "crumbs": self.crumbs(),
                "title": texts["title"],
                "question": texts["question"],
                "button": texts["button"],
                "back_url": self.back_url(),
                "danger": self.danger,
            },
        )

    def post(self, request, *args, **kwargs):
        try:
            self.run()
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            success = self.texts().get("success")
            if success:
                messages.success(request, success)
        return redirect(self.back_url())


class UserListView(ScopedListView):
    model = User
    view_permission = "accounts.view_user"
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
    form = UserCreateForm(_posted(request), units=units)
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
    except Exception:  # the mail server failed: what was saved stays saved
        logger.exception("password e-mail to user %s failed", account.pk)
        messages.warning(request, _("The e-mail could not be sent. Try again later, or set a password."))
        return False
    messages.success(
        request, _("A link to choose a password was e-mailed to %(email)s.") % {"email": account.email}
    )
    return True


class UserUpdateView(ScopedObjectView):
    model = User
    scope_action = "change"

    def get(self, request, *args, **kwargs):
        return self._handle(request)

    def post(self, request, *args, **kwargs):
        return self._handle(request)

    def _handle(self, request):
        actor, account = request.user, self.object
        initial = {
            "full_name": account.full_name,
            "email": account.email,
            "phone": account.phone,
            "position": account.position,
            "home_unit": account.home_unit_id,
            "is_active": account.is_active,
        }
        units = selectors.units_where(actor=actor, perm="accounts.change_user")
        form = UserUpdateForm(_posted(request), initial=initial, units=units, is_self=account.pk == actor.pk)
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
                account.refresh_from_db()
            else:
                messages.success(request, _("Saved: %(obj)s") % {"obj": account})
                return redirect("accounts:user-detail", pk=account.pk)
        return render(
            request, "accounts/user_form.html", {"form": form, "account": account, "creating": False}
        )


@method_decorator(sensitive_post_parameters("new_password1", "new_password2"), name="dispatch")
class UserPasswordView(ScopedObjectView):
    """An administrator sets someone's password (or sends a reset link from the same page)."""

    model = User
    scope_action = "change"

    def get(self, request, *args, **kwargs):
        return self._handle(request)

    def post(self, request, *args, **kwargs):
        return self._handle(request)

    def _handle(self, request):
        account = self.object
        if account.pk == request.user.pk:
            return redirect("accounts:password-change")
        form = AdminSetPasswordForm(account, _posted(request))
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


class UserSendResetView(ConfirmActionView):
    model = User
    scope_action = "change"

    def texts(self):
        return {
            "title": _("Send a password reset link"),
            "question": _("E-mail %(name)s a one-time link to choose a new password, at %(email)s?")
            % {"name": self.object.display_name, "email": self.object.email or "—"},
            "button": _("Send the link"),
        }

    def run(self):
        _send_reset(self.request, self.object)  # reports success or failure itself


class UserUnlockView(ConfirmActionView):
    model = User
    scope_action = "change"

    def texts(self):
        return {
            "title": _("Unlock the account"),
            "question": _("Allow %(name)s to sign in again now, before the lock expires?")
            % {"name": self.object.display_name},
            "button": _("Unlock"),
            "success": _("The account is unlocked."),
        }

    def run(self):
        services.user_unlock(actor=self.request.user, user=self.object)


class UserResetSecondFactorView(ConfirmActionView):
    model = User
    scope_action = "change"
    danger = True

    def texts(self):
        return {
            "title": _("Reset two-factor sign-in"),
            "question": _(
                "Remove the authenticator app of %(name)s (for example after a lost phone)? "
                "The person will set up a new one at the next sign-in."
            )
            % {"name": self.object.display_name},
            "button": _("Reset"),
            "success": _("Two-factor sign-in has been reset for this account."),
        }

    def get(self, request, *args, **kwargs):
        if self.object.pk == request.user.pk:  # refused by the service: say so before asking to confirm
            messages.error(request, services.OWN_SECOND_FACTOR)
            return redirect(self.back_url())
        return super().get(request, *args, **kwargs)

    def run(self):
        services.user_reset_second_factor(actor=self.request.user, user=self.object)


class AssignmentListView(ScopedListView):
    model = RoleAssignment
    view_permission = "accounts.view_roleassignment"
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
        _posted(request),
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


class AssignmentEndView(ConfirmActionView):
    model = RoleAssignment
    scope_action = "delete"
    danger = True

    def back_url(self):
        default = reverse("accounts:assignment-list")
        if selectors.user_get(actor=self.request.user, pk=self.object.user_id) is not None:
            default = reverse("accounts:user-detail", args=[self.object.user_id])
        return _safe_next(self.request, default)

    def crumbs(self):
        return [(_("Role assignments"), reverse("accounts:assignment-list"))]

    def get(self, request, *args, **kwargs):
        if self.object.valid_to is not None and self.object.valid_to < timezone.localdate():
            messages.info(request, _("This assignment has already ended."))
            return redirect(self.back_url())
        return super().get(request, *args, **kwargs)

    def texts(self):
        return {
            "title": _("End the role assignment"),
            "question": _("End %(assignment)s now? The person loses this role's permissions at once.")
            % {"assignment": self.object},
            "button": _("End the assignment"),
            "success": _("The assignment has ended."),
        }

    def run(self):
        services.assignment_end(actor=self.request.user, assignment=self.object)


class RoleListView(ScopedListView):
    """Roles are platform-wide data; anyone allowed to view roles sees them all."""

    model = Role
    view_permission = "accounts.view_role"
    table_class = RoleTable
    filterset_class = RoleFilter
    page_title = _lazy("Roles")
    export_name = "vai-tro"

    def get_queryset(self):
        if not self.request.user.has_perm("accounts.view_role"):
            return Role.objects.none()
        return selectors.roles_all()


class RoleObjectView(ScopedObjectView):
    """Roles are platform-wide, not scoped: whoever may view roles sees every one; others get 404."""

    model = Role

    def get_object(self, queryset=None):
        role = selectors.role_get(actor=self.request.user, pk=self.kwargs["pk"])
        if role is None:
            raise Http404
        return role


class RoleDetailView(RoleObjectView):
    def get(self, request, *args, **kwargs):
        role = self.object
        holders = (
            selectors.assignments_visible(actor=request.user)
            .filter(role=role)
            .active_on(timezone.localdate())
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


class RoleUpdateView(RoleObjectView):
    """Only superusers change roles (they are shared by every province); others see the page read-only."""

    def get(self, request, *args, **kwargs):
        return self._handle(request)

    def post(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return self._handle(request)

    def _handle(self, request):
        role, may_edit = self.object, request.user.is_superuser
        form = RoleSecondFactorForm(_posted(request), initial={"requires_2fa": role.requires_2fa})
        if not may_edit:
            form.fields["requires_2fa"].disabled = True
        if request.method == "POST" and form.is_valid():
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
