"""Sign-in (username or e-mail, lockout, TOTP second factor), profile, and account administration."""

from __future__ import annotations

import base64
import io

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from danvan.accounts import services
from danvan.accounts.filters import AssignmentFilter, UserFilter
from danvan.accounts.forms import LoginForm, TokenForm
from danvan.accounts.models import Role, RoleAssignment, User
from danvan.accounts.tables import AssignmentTable, RoleTable, UserTable
from danvan.core.views import ScopedDetailView, ScopedListView


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@never_cache
@csrf_protect
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        needs_2fa = services.requires_second_factor(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        if needs_2fa:
            request.session["danvan_2fa_required"] = True
            return redirect(f"{_two_factor_url()}?next={_safe_next(request)}")
        return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


def _two_factor_url() -> str:
    from django.urls import reverse

    return reverse("accounts:two-factor")


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


def _qr_data_uri(device: TOTPDevice) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    img.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@never_cache
@login_required
def two_factor_view(request):
    """Verify the one-time code; a user without a confirmed device enrols one here first."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="Ứng dụng xác thực", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip().replace(" ", "")
        if device.verify_token(token):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(request, _("Two-factor sign-in is now active for your account."))
            otp_login(request, device)
            request.session["danvan_2fa_required"] = False
            return redirect(_safe_next(request))
        form.add_error("token", _("The code is wrong or has expired."))
    context = {"form": form, "enrolling": enrolling, "next": request.GET.get("next", "")}
    if enrolling:
        context["qr"] = _qr_data_uri(device)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor.html", context)


@login_required
def profile_view(request):
    assignments = RoleAssignment.objects.filter(user=request.user).select_related("role", "unit", "organisation")
    return render(
        request,
        "accounts/profile.html",
        {"assignments": assignments, "has_device": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()},
    )


class UserListView(ScopedListView):
    model = User
    table_class = UserTable
    filterset_class = UserFilter
    page_title = _lazy("Users")
    export_name = "tai-khoan"

    def get_queryset(self):
        return super().get_queryset().select_related("home_unit")


class UserDetailView(ScopedDetailView):
    model = User
    template_name = "accounts/user_detail.html"
    context_object_name = "account"

    def get_context_data(self, **kwargs):
        from danvan.accounts import selectors

        context = super().get_context_data(**kwargs)
        context["assignments"] = selectors.user_assignments(actor=self.request.user, user=self.object)
        return context


class AssignmentListView(ScopedListView):
    model = RoleAssignment
    table_class = AssignmentTable
    filterset_class = AssignmentFilter
    page_title = _lazy("Role assignments")
    export_name = "phan-quyen"

    def get_queryset(self):
        return super().get_queryset().select_related("user", "role", "unit", "organisation")


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
        return Role.objects.prefetch_related("permissions")
