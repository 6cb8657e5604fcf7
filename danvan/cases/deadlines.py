"""Deadline arithmetic on Vietnam's working-day calendar (plain Python, no database).

- A limit in **calendar days** counts from the day after the start (Civil Code 2015, art. 147(2)): received on
  1 March with 10 days → 11 March. When the last day is a weekend day or a holiday, the limit ends at the end
  of the next working day (art. 148(5)).
- A limit in **working days** is the N-th working day after the start (the start itself is not counted).
- Working days are Monday to Friday, minus public holidays and days off, plus the weekend days the
  government makes working days in exchange (``WorkCalendar``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

CALENDAR = "calendar"
WORKING = "working"


@dataclass(frozen=True)
class WorkCalendar:
    days_off: frozenset[date] = field(default_factory=frozenset)  # holidays and days off (not worked)
    extra_working: frozenset[date] = field(default_factory=frozenset)  # weekend days worked

    @classmethod
    def of(cls, days_off: Iterable[date] = (), extra_working: Iterable[date] = ()) -> WorkCalendar:
        return cls(frozenset(days_off), frozenset(extra_working))

    def is_working(self, d: date) -> bool:
        if d in self.extra_working:
            return True
        if d in self.days_off:
            return False
        return d.weekday() < 5

    def next_working_day(self, d: date) -> date:
        """``d`` itself when it is a working day, else the first working day after it."""
        while not self.is_working(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (n ≥ 1); n = 0 gives ``start``."""
        if n < 0:
            raise ValueError("n must be ≥ 0")
        d = start
        while n > 0:
            d += timedelta(days=1)
            if self.is_working(d):
                n -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end < start (counting [end, start) backwards)."""
        if end >= start:
            return sum(1 for i in range(1, (end - start).days + 1) if self.is_working(start + timedelta(i)))
        return -sum(1 for i in range(0, (start - end).days) if self.is_working(end + timedelta(i)))


def due_date(start: date, days: int, day_type: str, calendar: WorkCalendar) -> date:
    """The last day of a limit of ``days`` ``day_type`` days that starts on ``start``."""
    if day_type == WORKING:
        return calendar.add_working_days(start, days)
    if day_type == CALENDAR:
        return calendar.next_working_day(start + timedelta(days=days))
    raise ValueError(f"unknown day type {day_type!r}")


def reminder_date(due: date, working_days_before: int, calendar: WorkCalendar) -> date:
    """The working day ``working_days_before`` working days before ``due``."""
    d = due
    n = working_days_before
    while n > 0:
        d -= timedelta(days=1)
        if calendar.is_working(d):
            n -= 1
    return d
