"""Staff whose role requires it must pass a second factor (TOTP) before using the platform."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health/")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get("danvan_2fa_required")
            and not user.is_verified()
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"detail": "Cần xác thực hai lớp."}, status=403)
            return redirect(reverse("accounts:two-factor") + "?next=" + request.get_full_path())
        return self.get_response(request)
