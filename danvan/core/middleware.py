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


class MethodNotAllowedPageMiddleware:
    """A page that only takes a form's POST (an action button), opened by its address: Django answers 405
    with an empty body. Browsers then show a blank page; this one says what happened, in Vietnamese. API
    and HTMX answers are left as they are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.content
            and not getattr(request, "htmx", False)
            and not request.path.startswith("/api/")
            and "text/html" in request.headers.get("Accept", "text/html")
        ):
            from django.template.loader import render_to_string

            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response
