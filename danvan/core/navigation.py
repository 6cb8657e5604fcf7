"""The navigation by module. A module adds its entries here; an entry shows only with its permission."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    perm: str | None = None
    superuser_only: bool = False


@dataclass(frozen=True)
class NavSection:
    label: str
    items: tuple[NavItem, ...]
    order: int = 50


SECTIONS: list[NavSection] = [
    NavSection(
        _("Overview"),
        (
            NavItem(_("Home"), "core:home", "house"),
            # everyone's own imports and exports (an administrator's are not the only ones)
            NavItem(_("Background jobs"), "core:job-list", "hourglass-split"),
        ),
        order=0,
    ),
    NavSection(
        _("Structure"),
        (
            NavItem(_("Administrative units"), "structure:unit-list", "diagram-3", "structure.view_unit"),
            NavItem(
                _("Organisations"), "structure:organisation-list", "building", "structure.view_organisation"
            ),
            NavItem(_("Branches"), "structure:branch-list", "people", "structure.view_branch"),
        ),
        order=10,
    ),
    NavSection(
        _("Administration"),
        (
            NavItem(_("Users"), "accounts:user-list", "person-badge", "accounts.view_user"),
            NavItem(
                _("Role assignments"),
                "accounts:assignment-list",
                "shield-lock",
                "accounts.view_roleassignment",
            ),
            NavItem(_("Roles"), "accounts:role-list", "key", "accounts.view_role"),
            NavItem(_("Change history"), "core:audit", "clock-history", "core.view_accesslog"),
            NavItem(_("Sensitive data reads"), "core:access-log", "eye", "core.view_accesslog"),
        ),
        order=100,
    ),
]


def register_section(section: NavSection) -> None:
    """A module adds its section from its AppConfig.ready(); sections are shown by their order."""
    if all(s.label != section.label for s in SECTIONS):
        SECTIONS.append(section)
        SECTIONS.sort(key=lambda s: s.order)


@dataclass(frozen=True)
class NavBadge:
    """An icon of the top bar with a figure that asks for attention (unread notifications): ``count`` is
    called with the signed-in user and should cost one cheap query."""

    label: str
    url_name: str
    icon: str
    count: Callable[[Any], int]
    perm: str | None = None


BADGES: list[NavBadge] = []


def register_badge(badge: NavBadge) -> None:
    """A module adds its badge from its AppConfig.ready()."""
    if all(b.url_name != badge.url_name for b in BADGES):
        BADGES.append(badge)


def visible_badges(user) -> list[dict]:
    """The badges of the top bar for ``user`` (signed in), each with its figure."""
    result = []
    for badge in BADGES:
        if badge.perm and not user.has_perm(badge.perm):
            continue
        try:
            url = reverse(badge.url_name)
        except NoReverseMatch:
            continue
        result.append({"label": badge.label, "url": url, "icon": badge.icon, "count": badge.count(user)})
    return result


def visible_sections(user, current_path: str) -> list[dict]:
    result = []
    for section in SECTIONS:
        items = []
        for item in section.items:
            if item.superuser_only and not user.is_superuser:
                continue
            if item.perm and not user.has_perm(item.perm):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            items.append({"label": item.label, "url": url, "icon": item.icon, "active": False})
        if items:
            result.append({"label": section.label, "items": items})
    # Only the longest address that the current page starts with is highlighted ("/cases/" is not active
    # on "/cases/overview/" when that has its own entry).
    candidates = [
        i
        for s in result
        for i in s["items"]
        if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))
    ]
    if candidates:
        max(candidates, key=lambda i: len(i["url"]))["active"] = True
    return result
