"""Vietnam's public holidays for public servants, as the default schedule of a year (no Django).

Labour Code 2019, art. 112: 1 January; Tết (5 days); Hùng Kings' day (10th day of the 3rd lunar month);
30 April; 1 May; 2 September and one adjacent day. Art. 111(3) and art. 112(3): a holiday that falls on a
weekly rest day (Saturday, Sunday for public servants) is compensated on the following working day(s).

Each year the government announces the exact days (which days around Tết, which day next to 2 September,
and swaps of a working day with a Saturday). ``data/holidays.json`` holds the announced schedules for the
years already announced and, for the others, the default computed here — an administrator corrects a year
on the calendar page when its schedule is announced. Nothing reads this module at run time except to
pre-fill a year that is missing from the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from danvan.cases.lunar import hung_kings_day, lunar_new_year

HOLIDAY = "holiday"  # public holiday (ngày nghỉ lễ, Tết)
DAY_OFF = "day_off"  # compensatory day off or a working day swapped for a Saturday (nghỉ bù, hoán đổi)
WORKING_DAY = "working_day"  # a Saturday or Sunday worked in exchange (làm bù)


@dataclass(frozen=True)
class ScheduledDay:
    day: date
    kind: str
    name: str


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


def _next_weekday(d: date, taken: set[date]) -> date:
    d += timedelta(days=1)
    while _is_weekend(d) or d in taken:
        d += timedelta(days=1)
    return d


def _with_compensation(days: list[date], name: str, taken: set[date]) -> list[ScheduledDay]:
    """The holidays, plus one compensatory weekday after the block for each that falls on a weekend."""
    out = [ScheduledDay(d, HOLIDAY, name) for d in days]
    taken.update(days)
    last = max(days)
    for d in days:
        if _is_weekend(d):
            last = _next_weekday(last, taken)
            taken.add(last)
            out.append(ScheduledDay(last, DAY_OFF, f"Nghỉ bù {name}"))
    return out


def national_day_adjacent(year: int) -> date:
    """The day next to 2 September chosen by default: the one that joins a weekend, else 1 September."""
    national = date(year, 9, 2)
    weekday = national.weekday()  # 0 = Monday
    if weekday in (0, 3):  # Monday → Tuesday 3/9; Thursday → Friday 3/9
        return date(year, 9, 3)
    if weekday == 6:  # Sunday → Monday 3/9 (and a compensatory Tuesday)
        return date(year, 9, 3)
    return date(year, 9, 1)  # Tuesday, Wednesday, Friday, Saturday → 1/9


def default_schedule(year: int) -> list[ScheduledDay]:
    """The holidays of ``year`` computed from the Labour Code, before the government's announcement."""
    taken: set[date] = set()
    out: list[ScheduledDay] = []
    out += _with_compensation([date(year, 1, 1)], "Tết Dương lịch", taken)
    new_year = lunar_new_year(year)
    tet = [new_year + timedelta(days=i) for i in range(-1, 4)]  # the last day of the year and days 1–4
    out += _with_compensation(tet, "Tết Nguyên đán", taken)
    out += _with_compensation([hung_kings_day(year)], "Giỗ Tổ Hùng Vương", taken)
    out += _with_compensation(
        [date(year, 4, 30), date(year, 5, 1)], "Ngày Chiến thắng và Quốc tế Lao động", taken
    )
    national = sorted([date(year, 9, 2), national_day_adjacent(year)])
    out += _with_compensation(national, "Quốc khánh", taken)
    return sorted(out, key=lambda s: s.day)
