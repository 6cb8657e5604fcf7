"""What the top bar's search finds among accounts, for those who manage them (registered from
AccountsConfig.ready())."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from danvan.accounts.filters import UserFilter
from danvan.accounts.models import User
from danvan.core.search import SearchHit, SearchSource, by_filterset


def _user(user: User) -> SearchHit:
    detail = " · ".join(p for p in (user.username, user.home_unit.name if user.home_unit_id else "") if p)
    return SearchHit(str(user), reverse("accounts:user-detail", args=[user.pk]), detail)


SOURCES = [
    SearchSource(
        _("Users"),
        "accounts:user-list",
        "accounts.view_user",
        lambda user: User.objects.visible_to(user).select_related("home_unit").order_by("full_name", "id"),
        by_filterset(UserFilter),
        _user,
        order=90,
    ),
]
