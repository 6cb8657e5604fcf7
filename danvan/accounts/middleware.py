"""Staff whose role requires it must pass a second factor (TOTP) before using the platform."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

# Until the second factor is passed, only signing in or out, the second-factor page itself and the
# password reset by e-mail are reachable: account administration under /accounts/ is not.
ALLOWED_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/accounts/password-reset/",
    "/static/",
    "/health/",
)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(ALLOWED_PREFIXES)
            and self.second_factor_required(request, user)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse
                from django.utils.translation import gettext as _

                return JsonResponse({"detail": _("Two-factor sign-in is required.")}, status=403)
            return redirect(
                reverse("accounts:two-factor") + "?" + urlencode({"next": request.get_full_path()})
            )
        return self.get_response(request)

    @staticmethod
    def second_factor_required(request, user) -> bool:
        """At sign-in (the session's flag), or since: a role that requires it, given while the user is signed
        in, asks for the second factor at the next request, not at the next sign-in."""
        flag = request.session.get("danvan_2fa_required")
        if flag is not None:  # True since sign-in; False only where a test stands for a verified sign-in
            return flag
        from danvan.accounts import services

        if services.requires_second_factor(user):
            request.session["danvan_2fa_required"] = True
            return True
        return False
