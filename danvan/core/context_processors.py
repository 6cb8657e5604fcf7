from __future__ import annotations

from danvan.core.navigation import visible_badges, visible_sections


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if request.session.get("danvan_2fa_required") and not user.is_verified():
        return {}  # nothing to navigate to until the second factor is passed
    from danvan.accounts.selectors import scope_summary

    # once per request: a page whose parts (a table, a fragment) are rendered with the request runs the
    # context processors again, and the badges cost a query each
    cached = getattr(request, "_danvan_navigation", None)
    if cached is None:
        cached = {
            "nav_sections": visible_sections(user, request.path),
            "nav_badges": visible_badges(user),
            "user_scope": scope_summary(actor=user),
            "nav_search": True,
        }
        request._danvan_navigation = cached
    return cached
