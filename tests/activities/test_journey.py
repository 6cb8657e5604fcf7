"""End to end in the system Chromium: from the activities dashboard one click leads to the laggards; the
compliance chart is drawn (scripts from static files only, under the CSP); the catalogue finds a model by a
query typed without accents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from danvan.activities import services
from danvan.activities.periods import Period, PeriodKind
from danvan.practices import services as practice_services
from tests.e2e.conftest import browser_page, login  # noqa: F401 - the fixture
from tests.factories import build_world, superuser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_dashboard_to_laggards_and_the_catalogue(live_server, browser_page):  # noqa: F811
    world = build_world()
    root = superuser()
    previous = Period.containing(PeriodKind.HALF_YEAR, timezone.localdate()).previous()
    services.quota_rule_create(
        actor=root,
        unit=world.province_a,
        name="Cấp xã",
        level="commune",
        period="month",
        meetings_required=1,
        valid_from=previous.start,
    )
    diligent = services.cadre_create(
        actor=root, organisation=world.orgs["women_ca"], full_name="Nguyễn Thị Hoa"
    )
    services.cadre_create(actor=root, organisation=world.orgs["farmers_ca"], full_name="Lê Văn Sang")
    for start in previous.month_starts():
        meeting = services.meeting_create(
            actor=root, branch=world.branches["women_va"], held_on=start + timedelta(days=9)
        )
        services.attendance_add(actor=root, meeting=meeting, cadre=diligent)
    practice_services.practice_register(
        actor=root,
        unit=world.village_a,
        organisation=world.orgs["women_ca"],
        name="Tổ hợp tác nuôi bò sinh sản",
        field="economy",
        owner_kind="collective",
        owner_name="Chi hội Phụ nữ",
        started_on=previous.start,
        description="Giúp hội viên nghèo nuôi bò.",
    )

    page = browser_page
    base = live_server.url
    login(page, base, "officer_ca")
    page.goto(f"{base}/activities/overview/")
    page.click("a.btn-danger")  # the laggards list, one click from the dashboard
    page.wait_for_load_state("networkidle")
    assert "/activities/laggards/" in page.url
    page.goto(f"{base}/activities/laggards/?period={previous.code}")
    page.wait_for_selector("text=Lê Văn Sang")
    assert "Nguyễn Thị Hoa" not in page.content()
    page.goto(f"{base}/activities/overview/")
    page.wait_for_selector("[data-echarts] canvas")  # the monthly chart is drawn

    page.goto(f"{base}/practices/")
    page.fill("input[name=q]", "nuoi bo")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("text=Tổ hợp tác nuôi bò sinh sản")
