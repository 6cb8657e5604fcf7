"""The cases section of the navigation (registered from CasesConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from danvan.core.navigation import NavBadge, NavItem, NavSection, register_badge, register_section


def register() -> None:
    register_section(
        NavSection(
            _("Citizens' cases and dialogue"),
            (
                NavItem(_("Overview"), "cases:dashboard", "inbox", "cases.view_case"),
                NavItem(_("Cases"), "cases:case-list", "folder2-open", "cases.view_case"),
                NavItem(_("Overdue cases"), "cases:case-overdue", "alarm", "cases.view_case"),
                NavItem(_("Record a case"), "cases:case-create", "plus-square", "cases.add_case"),
                NavItem(_("Figures"), "cases:figures", "bar-chart", "cases.view_case"),
                NavItem(
                    _("Dialogue sessions"), "cases:dialogue-list", "chat-square-quote", "cases.view_dialogue"
                ),
                NavItem(_("Commitments"), "cases:commitment-list", "check2-square", "cases.view_commitment"),
                NavItem(
                    _("Reception schedule"),
                    "cases:reception-list",
                    "calendar-week",
                    "cases.view_receptionsession",
                ),
                NavItem(
                    _("Reception compliance"),
                    "cases:reception-compliance",
                    "clipboard-check",
                    "cases.view_receptionsession",
                ),
                NavItem(_("Notifications"), "cases:notifications", "bell", "cases.view_case"),
                NavItem(_("Deadline rules"), "cases:rules", "hourglass", "cases.change_deadlinerule"),
                NavItem(_("Working-day calendar"), "cases:calendar", "calendar3", "cases.change_calendarday"),
                NavItem(
                    _("Letter templates"),
                    "cases:letter-templates",
                    "file-earmark-word",
                    "cases.change_lettertemplate",
                ),
                NavItem(_("Fields of concern"), "cases:fields", "tags", "cases.change_concernfield"),
                NavItem(
                    _("Reception requirements"),
                    "cases:requirements",
                    "person-check",
                    "cases.change_receptionrequirement",
                ),
            ),
            order=30,
        )
    )
    from danvan.cases import selectors

    register_badge(
        NavBadge(
            _("Notifications"),
            "cases:notifications",
            "bell",
            selectors.notifications_unread_count,
            "cases.view_case",
        )
    )
