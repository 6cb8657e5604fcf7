"""The registry's cards on the home page (registered from MembersConfig.ready())."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.core.home import HomeCard
from danvan.members import selectors


def cards(actor) -> list[HomeCard]:
    if not actor.has_perm("members.view_membership"):
        return []
    unit = selectors.default_figure_unit(actor=actor)
    if unit is None:
        return []
    today = timezone.localdate()
    # From the daily counts: a few thousand rows for a province, whatever the number of members.
    figures = selectors.figures(actor=actor, unit=unit, on=today, start=today.replace(day=1), end=today)
    section = _("Members")
    url = reverse("members:figures")
    result = [
        HomeCard(section, _("Active memberships"), figures.totals.total, url, order=10),
        HomeCard(section, _("Joined this month"), figures.totals.joined, url, order=11),
    ]
    if actor.has_perm("members.change_person"):  # who reviews them, as in the menu
        duplicates = selectors.duplicates_to_review(actor=actor).count()
        result.append(
            HomeCard(
                section, _("Possible duplicates"), duplicates, reverse("members:duplicate-list"), order=12
            )
        )
    return result
