"""The opinion module's cards on the home page (registered from OpinionConfig.ready())."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from danvan.core.home import HomeCard
from danvan.opinion import selectors


def cards(actor) -> list[HomeCard]:
    result = []
    section = _("Public opinion")
    if actor.has_perm("opinion.view_alert"):
        alerts = selectors.open_alerts(actor).count()
        result.append(
            HomeCard(section, _("Open alerts"), alerts, reverse("opinion:alert-list"), "danger", 30)
        )
    if actor.has_perm("opinion.view_issue"):
        issues = selectors.issues_for(actor, status="open", min_items=selectors.ISSUE_MIN_ITEMS).count()
        result.append(
            HomeCard(section, _("Issues not yet resolved"), issues, reverse("opinion:issue-list"), order=31)
        )
    return result
