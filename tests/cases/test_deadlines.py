"""Deadline arithmetic on the working-day calendar, holidays included (plain Python and property-based)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from danvan.cases import holidays, lunar
from danvan.cases.deadlines import CALENDAR, WORKING, WorkCalendar, due_date, reminder_date
from danvan.cases.reference import DATA_DIR


def shipped_calendar() -> WorkCalendar:
    spec = json.loads((DATA_DIR / "holidays.json").read_text(encoding="utf-8"))
    days = [d for y in spec["years"].values() for d in y["days"]]
    return WorkCalendar.of(
        days_off=[date.fromisoformat(d["date"]) for d in days if d["kind"] in ("holiday", "day_off")],
        extra_working=[date.fromisoformat(d["date"]) for d in days if d["kind"] == "working_day"],
    )


CAL = shipped_calendar()
DATES = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 10, 31))


# --- examples that pin the law's counting --------------------------------------------------------------


def test_working_days_skip_tet_and_count_the_swapped_saturday():
    # Denunciation received Monday 20/01/2025, 7 working days: Tết 27/01–01/02 is off → Wednesday 05/02.
    assert due_date(date(2025, 1, 20), 7, WORKING, CAL) == date(2025, 2, 5)
    # Saturday 08/02/2025 was worked in exchange for 27/01: it counts.
    assert CAL.is_working(date(2025, 2, 8))
    assert not CAL.is_working(date(2025, 1, 27))
    assert due_date(date(2025, 2, 5), 3, WORKING, CAL) == date(2025, 2, 8)


def test_calendar_days_start_the_day_after_and_end_on_a_working_day():
    # Civil Code art. 147: the first day is not counted; 10 days from 01/03/2026 → 11/03/2026 (Wednesday).
    assert due_date(date(2026, 3, 1), 10, CALENDAR, CAL) == date(2026, 3, 11)
    # Art. 148(5): a limit ending on a holiday ends on the next working day. 06/02/2026 + 10 = 16/02 (Tết)
    # → Tết 16–20/02, weekend 21–22/02 → Monday 23/02/2026.
    assert due_date(date(2026, 2, 6), 10, CALENDAR, CAL) == date(2026, 2, 23)
    # Ending on a Saturday → Monday.
    assert due_date(date(2026, 3, 4), 10, CALENDAR, CAL) == date(2026, 3, 16)


def test_hung_kings_day_on_a_sunday_is_compensated_on_monday():
    assert not CAL.is_working(date(2026, 4, 26)) and not CAL.is_working(date(2026, 4, 27))
    assert due_date(date(2026, 4, 24), 1, WORKING, CAL) == date(2026, 4, 28)


def test_unknown_day_type_is_refused():
    with pytest.raises(ValueError):
        due_date(date(2026, 1, 1), 3, "lunar", CAL)
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 1, 1), -1)


# --- properties ----------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(start=DATES, n=st.integers(min_value=1, max_value=60))
def test_working_day_deadline_has_exactly_n_working_days(start, n):
    due = due_date(start, n, WORKING, CAL)
    assert due > start
    assert CAL.is_working(due)
    assert CAL.working_days_between(start, due) == n
    # Minimal: the day before has one working day fewer.
    assert CAL.working_days_between(start, due - timedelta(days=1)) == n - 1


@settings(max_examples=300, deadline=None)
@given(start=DATES, n=st.integers(min_value=1, max_value=90))
def test_calendar_deadline_is_the_first_working_day_on_or_after_start_plus_n(start, n):
    due = due_date(start, n, CALENDAR, CAL)
    nominal = start + timedelta(days=n)
    assert due >= nominal
    assert CAL.is_working(due)
    d = nominal
    while d < due:
        assert not CAL.is_working(d)
        d += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(start=DATES, a=st.integers(min_value=0, max_value=30), b=st.integers(min_value=0, max_value=30))
def test_working_days_compose(start, a, b):
    assert CAL.add_working_days(CAL.add_working_days(start, a), b) == CAL.add_working_days(start, a + b)


@settings(max_examples=200, deadline=None)
@given(start=DATES, n=st.integers(min_value=1, max_value=40))
def test_longer_limits_never_end_earlier(start, n):
    for day_type in (CALENDAR, WORKING):
        assert due_date(start, n, day_type, CAL) <= due_date(start, n + 1, day_type, CAL)


@settings(max_examples=200, deadline=None)
@given(start=DATES, n=st.integers(min_value=4, max_value=40))
def test_reminder_is_three_working_days_before(start, n):
    due = due_date(start, n, WORKING, CAL)
    remind = reminder_date(due, 3, CAL)
    assert remind < due
    assert CAL.working_days_between(remind, due) == 3


@settings(max_examples=100, deadline=None)
@given(start=DATES, n=st.integers(min_value=1, max_value=30))
def test_days_off_only_delay_and_worked_weekends_only_advance(start, n):
    """Holidays and days off never make a limit end earlier; a weekend worked in exchange never later.
    (Together they can do either: hypothesis found 04/04/2024 + 30 days ending on the worked Saturday
    04/05/2024, earlier than on a plain calendar.)"""
    plain = WorkCalendar()
    off_only = WorkCalendar(days_off=CAL.days_off)
    worked_only = WorkCalendar(extra_working=CAL.extra_working)
    for day_type in (WORKING, CALENDAR):
        assert due_date(start, n, day_type, plain) <= due_date(start, n, day_type, off_only)
        assert due_date(start, n, day_type, worked_only) <= due_date(start, n, day_type, plain)
    assert due_date(date(2024, 4, 4), 30, CALENDAR, CAL) == date(2024, 5, 4)


@settings(max_examples=100, deadline=None)
@given(
    holiday=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    n=st.integers(min_value=1, max_value=15),
)
def test_a_new_holiday_inside_the_period_moves_a_working_day_deadline_by_one_day_at_least(holiday, n):
    assume(holiday.weekday() < 5)
    base = WorkCalendar()
    start = holiday - timedelta(days=1)
    with_holiday = WorkCalendar.of(days_off=[holiday])
    assert due_date(start, n, WORKING, with_holiday) > due_date(start, n, WORKING, base)


# --- the lunar calendar and the shipped holidays 2024–2030 --------------------------------------------


def test_lunar_new_year_reference_dates():
    assert lunar.lunar_new_year(2024) == date(2024, 2, 10)
    assert lunar.lunar_new_year(2025) == date(2025, 1, 29)
    assert lunar.lunar_new_year(2026) == date(2026, 2, 17)
    # Vietnam (UTC+7) and China (UTC+8) differ in 2030: the new moon falls at 23:07 in Hanoi on 2 February.
    assert lunar.lunar_new_year(2030) == date(2030, 2, 2)
    assert lunar.hung_kings_day(2024) == date(2024, 4, 18)
    assert lunar.hung_kings_day(2025) == date(2025, 4, 7)
    assert lunar.hung_kings_day(2026) == date(2026, 4, 26)


def test_shipped_calendar_covers_2024_to_2030_with_the_lunar_holidays():
    spec = json.loads((DATA_DIR / "holidays.json").read_text(encoding="utf-8"))["years"]
    assert sorted(int(y) for y in spec) == list(range(2024, 2031))
    for y, year in spec.items():
        y = int(y)
        off = {date.fromisoformat(d["date"]) for d in year["days"] if d["kind"] == "holiday"}
        assert lunar.lunar_new_year(y) in off, y
        assert lunar.lunar_new_year(y) - timedelta(days=1) in off, y  # the last day of the lunar year
        assert lunar.hung_kings_day(y) in off, y
        for fixed in ((1, 1), (4, 30), (5, 1), (9, 2)):
            assert date(y, *fixed) in off, (y, fixed)
        # Labour Code art. 112: 11 days of public holidays a year.
        assert len(off) == 11, (y, sorted(off))
        # Every holiday on a weekend is compensated (in default years) or part of an announced block.
        for d in year["days"]:
            assert date.fromisoformat(d["date"]).year == y


@pytest.mark.parametrize("year", range(2027, 2031))
def test_default_years_match_the_generator(year):
    spec = json.loads((DATA_DIR / "holidays.json").read_text(encoding="utf-8"))["years"][str(year)]
    shipped = {(d["date"], d["kind"]) for d in spec["days"]}
    computed = {(s.day.isoformat(), s.kind) for s in holidays.default_schedule(year)}
    assert spec["status"] == "default"
    assert shipped == computed


def test_default_schedule_compensates_weekend_holidays():
    # 1 January 2028 is a Saturday → Monday 3 January off.
    days = {s.day: s.kind for s in holidays.default_schedule(2028)}
    assert days[date(2028, 1, 1)] == holidays.HOLIDAY
    assert days[date(2028, 1, 3)] == holidays.DAY_OFF
    for d, kind in days.items():
        if kind == holidays.DAY_OFF:
            assert d.weekday() < 5
