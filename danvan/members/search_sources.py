"""What the top bar's search finds in the registry: people, through their memberships in the user's scope
(registered from MembersConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from danvan.core.search import SearchHit, SearchSource, by_filterset
from danvan.members import selectors
from danvan.members.filters import MembershipFilter
from danvan.members.models import Membership


def _person(membership: Membership) -> SearchHit:
    person = membership.person
    detail = " · ".join((person.birth_display, membership.branch.name, str(membership.get_status_display())))
    return SearchHit(person.full_name, person.get_absolute_url(), detail, key=person.pk)


SOURCES = [
    SearchSource(
        _("Members"),
        "members:membership-list",
        "members.view_membership",
        lambda user: selectors.memberships_visible(actor=user).select_related("person", "branch"),
        by_filterset(MembershipFilter),
        _person,
        order=20,
        unordered=True,  # millions of rows: the first matches found, as the list's first scan
    ),
]
