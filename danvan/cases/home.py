"""The cases' cards on the home page (registered from CasesConfig.ready())."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from danvan.cases import selectors
from danvan.cases.models import Status
from danvan.core.home import HomeCard


def cards(actor) -> list[HomeCard]:
    if not actor.has_perm("cases.view_case"):
        return []
    counts = selectors.home_counts(actor=actor)
    section = _("Citizens' cases and dialogue")
    cases = reverse("cases:case-list")
    result = [
        # each card opens the list of exactly the cases it counts
        HomeCard(section, _("Open cases"), counts["open"], f"{cases}?deadline=open", order=20),
        HomeCard(section, _("Overdue cases"), counts["overdue"], reverse("cases:case-overdue"), "danger", 21),
        HomeCard(
            section,
            _("Concluded, answer not yet sent"),
            counts["awaiting_answer"],
            f"{cases}?deadline=awaiting_answer",
            order=21,
        ),
        HomeCard(
            section,
            _("Awaiting acceptance"),
            counts["received"],
            f"{cases}?status={Status.RECEIVED}",
            order=22,
        ),
    ]
    if actor.has_perm("cases.view_commitment"):  # as in the menu
        result.append(
            HomeCard(
                section,
                _("Commitments overdue"),
                counts["commitments_overdue"],
                reverse("cases:commitment-list") + "?state=overdue",
                "danger",
                23,
            )
        )
    return result
