"""Search across the modules from the top bar: a few of the best matches per kind of record, each kind
linking to its own list with the same words for the rest.

A module registers its ``SearchSource``s from its ``AppConfig.ready()`` (core imports no module). A source
reads its rows through the module's scoped selector and matches them with the module's own list filter, so
the search finds what the lists find, in the user's scope, and nothing else. Citizen IDs are never searched
here: they would travel in the address (the members' look-up form posts them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from danvan.core.text import CITIZEN_ID_LIKE, clean

MIN_LENGTH = 2
MAX_LENGTH = 100
PER_SOURCE = 5


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    detail: str = ""
    key: Any = None  # hits with the same key are shown once (a person with several memberships)


@dataclass(frozen=True)
class SearchSource:
    label: str  # the kind of record, as a heading ("Cases")
    list_url_name: str  # the module's list; "all results" opens it with ?q=
    perm: str  # held somewhere, else the source is skipped
    queryset: Callable[[Any], QuerySet]  # user -> the rows the user may see
    match: Callable[[Any, QuerySet, str], QuerySet]  # (request, rows, words) -> the matching rows
    hit: Callable[[Any], SearchHit] | None = None  # row -> hit; str(row) and get_absolute_url() otherwise
    order: int = 50
    # large tables: no ORDER BY, so that a common word does not walk an index over millions of rows
    unordered: bool = False


@dataclass
class SearchGroup:
    label: str
    hits: list[SearchHit] = field(default_factory=list)
    more: bool = False  # more matches than shown
    more_url: str = ""


SOURCES: list[SearchSource] = []


def register(*sources: SearchSource) -> None:
    for source in sources:
        if all((s.list_url_name, s.label) != (source.list_url_name, source.label) for s in SOURCES):
            SOURCES.append(source)
    SOURCES.sort(key=lambda s: s.order)


def by_filterset(filterset_class) -> Callable[[Any, QuerySet, str], QuerySet]:
    """Match with a list's FilterSet and its ``q`` filter, exactly as the list does."""

    def match(request, qs: QuerySet, words: str) -> QuerySet:
        filterset = filterset_class({"q": words}, queryset=qs, request=request)
        return filterset.qs if filterset.is_valid() else qs.none()

    return match


def _default_hit(row) -> SearchHit:
    return SearchHit(title=str(row), url=row.get_absolute_url())


class QueryProblem(ValueError):
    pass


def check_query(raw: str | None) -> str:
    """The words to search for, or QueryProblem with the message to show."""
    words = clean(raw)
    if CITIZEN_ID_LIKE.match(words):
        raise QueryProblem(
            _(
                "A citizen ID is not searched here, so that it never appears in a web address. Look it up with "
                "the form on the member list."
            )
        )
    if len(words) < MIN_LENGTH:
        raise QueryProblem(_("Type at least %(n)d characters.") % {"n": MIN_LENGTH})
    if len(words) > MAX_LENGTH:
        raise QueryProblem(_("Type at most %(n)d characters.") % {"n": MAX_LENGTH})
    return words


def search(request, words: str, per_source: int = PER_SOURCE) -> list[SearchGroup]:
    """The groups of hits for ``words`` (already checked), in the modules' order, empty groups left out."""
    user = request.user
    groups = []
    for source in SOURCES:
        if not user.has_perm(source.perm):
            continue
        try:
            list_url = reverse(source.list_url_name)
        except NoReverseMatch:
            continue
        qs = source.match(request, source.queryset(user), words)
        if source.unordered:
            qs = qs.order_by()
        make_hit = source.hit or _default_hit
        hits: list[SearchHit] = []
        seen = set()
        # a few more rows than shown, for the hits that fold into one (the same person twice)
        rows = list(qs[: per_source * 3 + 1])
        more = len(rows) > per_source * 3
        for row in rows:
            hit = make_hit(row)
            key = hit.key if hit.key is not None else hit.url
            if key in seen:
                continue
            if len(hits) == per_source:
                more = True
                break
            seen.add(key)
            hits.append(hit)
        if hits:
            groups.append(
                SearchGroup(
                    label=str(source.label),
                    hits=hits,
                    more=more,
                    more_url=f"{list_url}?{urlencode({'q': words})}",
                )
            )
    return groups
