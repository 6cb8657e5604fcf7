"""What the top bar's search finds in the "Dân vận khéo" catalogue: models and awards (registered from
PracticesConfig.ready())."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from danvan.core.search import SearchHit, SearchSource, by_filterset
from danvan.practices.filters import AwardFilter, PracticeFilter
from danvan.practices.models import Award, Practice


def _practice(practice: Practice) -> SearchHit:
    return SearchHit(practice.name, practice.get_absolute_url(), practice.unit.name)


def _award(award: Award) -> SearchHit:
    practice = award.practice.name if award.practice_id else ""
    when = date_format(award.awarded_on, "SHORT_DATE_FORMAT")
    detail = " · ".join(p for p in (award.recipient_name, practice, when) if p)
    return SearchHit(award.title, award.get_absolute_url(), detail)


SOURCES = [
    SearchSource(
        _("Catalogue of “Dân vận khéo” models"),
        "practices:practice-list",
        "practices.view_practice",
        lambda user: Practice.objects.visible_to(user).select_related("unit").order_by("name", "id"),
        by_filterset(PracticeFilter),
        _practice,
        order=50,
    ),
    SearchSource(
        _("Awards"),
        "practices:award-list",
        "practices.view_award",
        lambda user: Award.objects.visible_to(user).select_related("practice").order_by("-awarded_on", "-id"),
        by_filterset(AwardFilter),
        _award,
        order=51,
    ),
]
