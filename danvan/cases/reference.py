"""Reference data of the cases module, shipped as JSON under ``data/`` and loaded into editable tables:
fields of concern, deadline rules, the holiday calendar 2024–2030, reception requirements.

Loading is idempotent and only adds what is missing (it never overwrites an administrator's edit); it runs
after ``migrate`` (and after a test flush) and, as a safety net, whenever a table it needs is found empty.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.db import transaction

from danvan.cases.deadlines import WorkCalendar

DATA_DIR = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=8)
def load_json(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def holiday_years() -> dict[int, dict]:
    return {int(y): spec for y, spec in load_json("holidays.json")["years"].items()}


@transaction.atomic
def seed_fields() -> int:
    from danvan.cases.models import ConcernField

    have = set(ConcernField.objects.values_list("code", flat=True))
    rows = [
        ConcernField(code=f["code"], name=f["name"], sort_order=(i + 1) * 10)
        for i, f in enumerate(load_json("fields.json")["fields"])
        if f["code"] not in have
    ]
    ConcernField.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def seed_rules() -> int:
    from danvan.cases.models import DeadlineRule

    have = set(DeadlineRule.objects.values_list("code", flat=True))
    rows = []
    for r in load_json("deadline_rules.json")["rules"]:
        if r["code"] in have:
            continue
        rows.append(
            DeadlineRule(
                code=r["code"],
                label=r["label"],
                kind=r["kind"],
                stage=r["stage"],
                instance=r.get("instance", ""),
                days=r["days"],
                complex_days=r.get("complex_days"),
                remote_days=r.get("remote_days"),
                remote_complex_days=r.get("remote_complex_days"),
                day_type=r["day_type"],
                counted_from=r["from"],
                extension_days=r.get("extension_days"),
                max_extensions_complex=r.get("max_extensions_complex", 0),
                max_extensions_very_complex=r.get("max_extensions_very_complex", 0),
                legal_basis=r["legal_basis"],
            )
        )
    DeadlineRule.objects.bulk_create(rows, ignore_conflicts=True)
    forget_rules()
    return len(rows)


@transaction.atomic
def seed_calendar(*, years: list[int] | None = None) -> int:
    """Add the shipped schedule of each year that has no calendar day yet (a year an administrator
    already edited is left alone)."""
    from danvan.cases.models import CalendarDay

    spec = holiday_years()
    wanted = years or sorted(spec)
    present = {d.year for d in CalendarDay.objects.dates("day", "year")}
    rows = []
    for year in wanted:
        if year in present:
            continue
        if year in spec:
            days = [(date.fromisoformat(d["date"]), d["kind"], d["name"]) for d in spec[year]["days"]]
        else:
            from danvan.cases.holidays import default_schedule

            days = [(s.day, s.kind, s.name) for s in default_schedule(year)]
        rows += [CalendarDay(day=d, kind=k, name=n) for d, k, n in days]
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    forget_calendar()
    return len(rows)


@transaction.atomic
def seed_requirements() -> int:
    from danvan.cases.models import ReceptionRequirement

    have = set(ReceptionRequirement.objects.values_list("code", flat=True))
    rows = [
        ReceptionRequirement(
            code=r["code"],
            label=r["label"],
            level=r["level"],
            min_days=r["min_days"],
            period=r["period"],
            legal_basis=r["legal_basis"],
        )
        for r in load_json("reception_requirements.json")["requirements"]
        if r["code"] not in have
    ]
    ReceptionRequirement.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def seed_all() -> dict[str, int]:
    return {
        "fields": seed_fields(),
        "rules": seed_rules(),
        "calendar_days": seed_calendar(),
        "requirements": seed_requirements(),
    }


def on_post_migrate(sender, **kwargs) -> None:
    if getattr(sender, "label", None) != "cases":
        return
    from django.db import DEFAULT_DB_ALIAS, connections

    using = kwargs.get("using", DEFAULT_DB_ALIAS)
    if using != DEFAULT_DB_ALIAS or "cases_calendarday" not in connections[using].introspection.table_names():
        return
    seed_all()


# --- the working-day calendar, cached per process ------------------------------------------------------

_CACHE_SECONDS = 60
_lock = threading.Lock()
_cached: tuple[float, WorkCalendar] | None = None


def forget_calendar() -> None:
    global _cached
    with _lock:
        _cached = None


def work_calendar() -> WorkCalendar:
    """The calendar from the ``CalendarDay`` table (re-read at most every minute, and at once after an
    edit in this process)."""
    global _cached
    now = time.monotonic()
    with _lock:
        if _cached is not None and now - _cached[0] < _CACHE_SECONDS:
            return _cached[1]
    from danvan.cases.models import CalendarDay, CalendarKind

    rows = list(CalendarDay.objects.values_list("day", "kind"))
    if not rows:
        seed_calendar()
        rows = list(CalendarDay.objects.values_list("day", "kind"))
    cal = WorkCalendar.of(
        days_off=[d for d, k in rows if k in (CalendarKind.HOLIDAY, CalendarKind.DAY_OFF)],
        extra_working=[d for d, k in rows if k == CalendarKind.WORKING_DAY],
    )
    with _lock:
        _cached = (now, cal)
    return cal


def calendar_years() -> set[int]:
    from danvan.cases.models import CalendarDay

    return {d.year for d in CalendarDay.objects.dates("day", "year")}


# --- the deadline rules, cached per process ------------------------------------------------------------

_rules_cached: tuple[float, dict] | None = None


def forget_rules() -> None:
    global _rules_cached
    with _lock:
        _rules_cached = None


def deadline_rules() -> dict:
    """{(kind, stage, instance): DeadlineRule} of the rules in force (instance "" except for complaints)."""
    global _rules_cached
    now = time.monotonic()
    with _lock:
        if _rules_cached is not None and now - _rules_cached[0] < _CACHE_SECONDS:
            return _rules_cached[1]
    from danvan.cases.models import DeadlineRule

    rules = list(DeadlineRule.objects.filter(is_active=True).order_by("pk"))
    if not rules and not DeadlineRule.objects.exists():
        seed_rules()
        rules = list(DeadlineRule.objects.filter(is_active=True).order_by("pk"))
    table: dict = {}
    for rule in rules:
        table.setdefault((rule.kind, rule.stage, rule.instance if rule.kind == "complaint" else ""), rule)
    with _lock:
        _rules_cached = (now, table)
    return table
