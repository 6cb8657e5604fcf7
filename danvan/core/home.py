"""The home page's cards: what each module asks its users to look at first (open cases past their deadline,
alerts nobody has acknowledged…). A module registers a function ``actor → [HomeCard, …]`` in its
``AppConfig.ready()``; the function returns nothing for a user without the module's permission. Core
imports no module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HomeCard:
    section: str  # the module's name, as in the menu
    title: str
    value: int
    url: str
    tone: str = ""  # "" or "danger" (a figure that asks for action when above zero)
    order: int = 0  # the modules' place on the page


CARDS: list[Callable[[Any], list[HomeCard]]] = []


def register(function: Callable[[Any], list[HomeCard]]) -> Callable[[Any], list[HomeCard]]:
    if function not in CARDS:
        CARDS.append(function)
    return function


def cards_for(actor) -> list[tuple[str, list[HomeCard]]]:
    """The cards ``actor`` may see, grouped by module, in the modules' order."""
    cards = sorted((c for function in CARDS for c in function(actor)), key=lambda c: c.order)
    groups: dict[str, list[HomeCard]] = {}
    for card in cards:
        groups.setdefault(card.section, []).append(card)
    return list(groups.items())
