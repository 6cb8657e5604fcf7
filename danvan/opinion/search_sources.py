"""What the top bar's search finds in public opinion: issues, as the issue list shows them (registered from
OpinionConfig.ready()). Items are not searched here: their list has its own search and filters."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from danvan.core.search import SearchHit, SearchSource
from danvan.opinion import selectors
from danvan.opinion.models import Issue
from danvan.opinion.privacy import readable


def _issue(issue: Issue) -> SearchHit:
    return SearchHit(
        readable(issue.title), issue.get_absolute_url(), f"{issue.unit.name} · {issue.get_status_display()}"
    )


SOURCES = [
    SearchSource(
        _("Public opinion issues"),
        "opinion:issue-list",
        "opinion.view_issue",
        lambda user: selectors.issues_for(user, min_items=selectors.ISSUE_MIN_ITEMS).order_by(
            "-score", "-last_seen_at", "-id"
        ),
        lambda request, qs, words: selectors.issue_search(qs, words),
        _issue,
        order=60,
    ),
]
