"""What the top bar's search finds in cases and dialogue (registered from CasesConfig.ready())."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from danvan.cases import selectors
from danvan.cases.filters import CaseFilter, DialogueFilter
from danvan.cases.models import Case, Dialogue
from danvan.core.search import SearchHit, SearchSource, by_filterset


def _case(case: Case) -> SearchHit:
    detail = " · ".join((str(case.get_status_display()), date_format(case.received_on, "SHORT_DATE_FORMAT")))
    return SearchHit(str(case), case.get_absolute_url(), detail)


def _dialogue(dialogue: Dialogue) -> SearchHit:
    detail = " · ".join((date_format(dialogue.held_on, "SHORT_DATE_FORMAT"), dialogue.unit.name))
    return SearchHit(str(dialogue), dialogue.get_absolute_url(), detail)


SOURCES = [
    SearchSource(
        _("Cases"),
        "cases:case-list",
        "cases.view_case",
        lambda user: selectors.case_list(actor=user).order_by("-received_on", "-id"),
        by_filterset(CaseFilter),
        _case,
        order=30,
    ),
    SearchSource(
        _("Dialogue sessions"),
        "cases:dialogue-list",
        "cases.view_dialogue",
        lambda user: selectors.dialogue_list(actor=user).order_by("-held_on", "-id"),
        by_filterset(DialogueFilter),
        _dialogue,
        order=31,
    ),
]
