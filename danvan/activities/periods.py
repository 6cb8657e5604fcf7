"""Reporting periods: a month, a quarter, a half-year or a year, and the arithmetic the quotas need.

Plain Python (no database): a period is a closed range of whole months, so every figure kept per month adds
up exactly to any period. Codes are stable and short, for URLs and exports: "2026-M03", "2026-Q1",
"2026-H1", "2026".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF_YEAR = "half_year", _("Half-year")
    YEAR = "year", _("Year")


MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF_YEAR: 6, PeriodKind.YEAR: 12}
_CODE = re.compile(r"^(?P<year>\d{4})(?:-(?P<kind>[MQH])(?P<n>\d{1,2}))?$")
_LETTER = {PeriodKind.MONTH: "M", PeriodKind.QUARTER: "Q", PeriodKind.HALF_YEAR: "H"}
_KIND_OF_LETTER = {v: k for k, v in _LETTER.items()}


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    start: date
    kind: str

    def __post_init__(self):
        if self.kind not in MONTHS_IN:
            raise ValueError(f"unknown period kind: {self.kind}")
        size = MONTHS_IN[self.kind]
        if self.start.day != 1 or (self.start.month - 1) % size:
            raise ValueError(f"{self.start} does not start a {self.kind}")

    # --- construction ---------------------------------------------------------------------------

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        size = MONTHS_IN[kind]
        return cls(date(day.year, (day.month - 1) // size * size + 1, 1), kind)

    @classmethod
    def parse(cls, code: str) -> Period:
        """ "2026-M03", "2026-Q1", "2026-H2" or "2026"; ValueError on anything else."""
        match = _CODE.match((code or "").strip().upper())
        if not match:
            raise ValueError(f"not a period code: {code!r}")
        year = int(match["year"])
        if not match["kind"]:
            return cls(date(year, 1, 1), PeriodKind.YEAR)
        kind = _KIND_OF_LETTER[match["kind"]]
        size = MONTHS_IN[kind]
        n = int(match["n"])
        if not 1 <= n <= 12 // size:
            raise ValueError(f"not a period code: {code!r}")
        return cls(date(year, (n - 1) * size + 1, 1), kind)

    # --- properties -----------------------------------------------------------------------------

    @property
    def months(self) -> int:
        return MONTHS_IN[self.kind]

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        return add_months(self.start, self.months) - timedelta(days=1)

    @property
    def number(self) -> int:
        return (self.start.month - 1) // self.months + 1

    @property
    def code(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        width = 2 if self.kind == PeriodKind.MONTH else 1
        return f"{self.start.year}-{_LETTER[self.kind]}{self.number:0{width}d}"

    @property
    def label(self) -> str:
        from django.utils.translation import gettext

        year = self.start.year
        if self.kind == PeriodKind.MONTH:
            return gettext("month %(n)s/%(year)s") % {"n": self.number, "year": year}
        if self.kind == PeriodKind.QUARTER:
            return gettext("quarter %(n)s/%(year)s") % {"n": self.number, "year": year}
        if self.kind == PeriodKind.HALF_YEAR:
            if self.number == 1:
                return gettext("first half of %(year)s") % {"year": year}
            return gettext("second half of %(year)s") % {"year": year}
        return gettext("year %(year)s") % {"year": year}

    def __str__(self) -> str:
        return self.label

    def month_starts(self) -> list[date]:
        return [add_months(self.start, i) for i in range(self.months)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def subperiods(self, kind: str) -> list[Period]:
        """The periods of ``kind`` inside this one (empty when ``kind`` is longer than this period)."""
        size = MONTHS_IN[kind]
        if size > self.months:
            return []
        return [Period(add_months(self.start, i), kind) for i in range(0, self.months, size)]

    def previous(self) -> Period:
        return Period(add_months(self.start, -self.months), self.kind)

    def next(self) -> Period:
        return Period(add_months(self.start, self.months), self.kind)

    def days_left(self, today: date) -> int:
        """Days from ``today`` to the end of the period, ``today`` included (0 once it is over)."""
        return max(0, (self.end - today).days + 1)


def recent_periods(today: date, count: int = 8) -> list[Period]:
    """The periods a user is most likely to ask for: this and the previous half-years, quarters, year."""
    result: list[Period] = []
    for kind in (PeriodKind.HALF_YEAR, PeriodKind.QUARTER, PeriodKind.YEAR, PeriodKind.MONTH):
        p = Period.containing(kind, today)
        result.extend([p, p.previous()])
    return result[:count] if count else result
