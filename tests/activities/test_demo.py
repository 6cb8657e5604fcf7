"""The demo content of the activities: a year of meetings and attendances, some units behind on purpose,
training courses; the tallies the triggers kept during the bulk load equal a rebuild from the rows."""

from __future__ import annotations

from datetime import date

import pytest

from danvan.activities import demo, selectors, services
from danvan.activities.models import (
    Attendance,
    BranchMonthTally,
    Cadre,
    CadreMonthTally,
    Meeting,
    QuotaRule,
    TrainingCourse,
)
from danvan.activities.periods import Period
from danvan.core import demo as core_demo

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 24)


def test_the_demo_registers_its_extension():
    assert demo.extend in core_demo.EXTENSIONS


def test_a_year_of_activities(demo_world):
    w = demo_world
    counts = demo.generate(province=w.province_a, seed=7, months=12, today=TODAY)
    assert counts["meetings"] == Meeting.objects.count() > 0
    assert counts["attendances"] == Attendance.objects.count() > 0
    assert Cadre.objects.filter(unit_path__startswith=w.province_a.path).count() == counts["cadres"]
    assert QuotaRule.objects.count() == 3 and TrainingCourse.objects.count() == counts["courses"] > 0
    held = Meeting.objects.values_list("held_on", flat=True)
    assert min(held) >= date(2025, 12, 1) and max(held) <= TODAY
    # a cadre at most once per meeting, the meeting's count right
    for m in Meeting.objects.filter(cadre_count__gt=0)[:50]:
        assert m.attendances.count() == m.cadre_count
    # every attending cadre belongs to the meeting's area
    for a in Attendance.objects.select_related("meeting")[:200]:
        assert a.unit_path.startswith(a.cadre_unit_path)
    kept_branch = sorted(
        BranchMonthTally.objects.values_list("branch_id", "month", "meetings", "attendances")
    )
    kept_cadre = sorted(CadreMonthTally.objects.values_list("cadre_id", "month", "attendances"))
    services.tallies_rebuild()
    assert kept_branch == sorted(
        BranchMonthTally.objects.values_list("branch_id", "month", "meetings", "attendances")
    )
    assert kept_cadre == sorted(CadreMonthTally.objects.values_list("cadre_id", "month", "attendances"))


def test_some_units_are_behind_on_purpose(demo_world):
    w = demo_world
    demo.generate(province=w.province_a, seed=7, months=12, today=TODAY)
    f = selectors.compliance(
        actor=w.users["admin_a"], unit=w.province_a, period=Period.parse("2026-H1"), as_of=TODAY
    )
    rates = [r.cadres.rate for r in f.units if not r.own_level and r.cadres.rate is not None]
    assert rates and min(rates) < 0.6  # the lagging commune
    assert f.behind_units and f.behind_cadres
    assert f.cadres.met > 0


def test_the_reminders_run_every_day_and_the_tallies_can_be_rebuilt(demo_world, capsys):
    from django.core.management import call_command
    from procrastinate.contrib.django import app

    from danvan.core.services import job_start
    from tests.factories import superuser

    task = app.tasks["activities.quota_reminders"]
    assert any(
        p.task is task and p.cron == "0 7 * * *" for p in app.periodic_registry.periodic_tasks.values()
    )
    demo.generate(province=demo_world.province_a, seed=3, months=2, today=TODAY)
    BranchMonthTally.objects.update(meetings=0)
    call_command("rebuild_activity_tallies", "--under", demo_world.province_a.path)
    assert sum(BranchMonthTally.objects.values_list("meetings", flat=True)) == Meeting.objects.count()
    BranchMonthTally.objects.update(attendances=0)
    job = job_start(actor=superuser(), kind="activities.rebuild_tallies", title="Tính lại số liệu")
    assert job.status == "succeeded"
    assert sum(BranchMonthTally.objects.values_list("attendances", flat=True)) == Attendance.objects.count()
