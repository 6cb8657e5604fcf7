"""Request and response hooks shared by every app."""

from __future__ import annotations

import re

from django.conf import settings

DOWNLOAD_TOKEN = re.compile(r"^[a-z0-9]{6,32}$")


class DownloadTokenMiddleware:
    """Tells the page that asked for a file that its answer has come: a link to an export or a document
    (``static/js/app.js``) adds ``download_token`` to its address and shows that the file is being prepared
    until the cookie ``dv_download_<token>`` set here arrives with the response's headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        token = request.GET.get("download_token", "")
        if DOWNLOAD_TOKEN.match(token):
            response.set_cookie(
                f"dv_download_{token}",
                "1",
                max_age=120,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=False,  # read by the page's script; it carries nothing but "1"
            )
        return response
