"""The public-opinion section of the navigation (registered from OpinionConfig.ready()).

Every entry is guarded: ``core.navigation.visible_sections`` skips an entry whose URL name does not reverse
(NoReverseMatch), so a page that another part of the module has not delivered yet never breaks the menu.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from danvan.core.navigation import NavItem, NavSection, register_section

ENTRIES = (
    (_("Overview"), "opinion:dashboard", "speedometer2", "opinion.view_dailyrollup"),
    (_("Issues"), "opinion:issue-list", "fire", "opinion.view_issue"),
    (_("Alerts"), "opinion:alert-list", "bell", "opinion.view_alert"),
    (_("Alert rules"), "opinion:alertrule-list", "sliders", "opinion.view_alertrule"),
    (_("Forecasts"), "opinion:forecast", "graph-up-arrow", "opinion.view_forecast"),
    (_("Briefing"), "opinion:briefing", "file-earmark-text", "opinion.view_dailyrollup"),
    (_("Items"), "opinion:item-list", "chat-left-text", "opinion.view_item"),
    (_("Review queue"), "opinion:review", "check2-circle", "opinion.add_correction"),
    (_("Sources"), "opinion:source-list", "rss", "opinion.view_source"),
    (_("Collaborators' reports"), "opinion:collab-report-list", "people", "opinion.view_collaboratorreport"),
    (_("Models"), "opinion:model-list", "cpu", "opinion.view_modelversion"),
    (_("Privacy"), "opinion:privacy", "shield-lock", "opinion.change_opinionsettings"),
)


def items() -> tuple[NavItem, ...]:
    return tuple(NavItem(label, name, icon, perm) for label, name, icon, perm in ENTRIES)


def register() -> None:
    register_section(NavSection(_("Public opinion"), items(), order=45))
