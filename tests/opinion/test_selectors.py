"""Selectors: scope (visible_to) of every page's reads, dashboard figures from the rollups, review order."""

from __future__ import annotations

import datetime as dt

import pytest

from danvan.opinion import pipeline, selectors
from danvan.opinion.models import DailyRollup, Item
from tests.factories import make_user
from tests.opinion.conftest import BASE, rec

pytestmark = pytest.mark.django_db

TEXTS = [
    "Đường liên ấp ngập sâu sau mưa, người dân bức xúc",
    "Đường liên ấp lại ngập sâu, xe máy chết máy, bức xúc quá",
    "Mưa lớn đường liên ấp ngập sâu, học sinh lội nước",
    "Đường liên ấp ngập sâu mấy ngày chưa rút, người dân lo lắng",
    "Đường liên ấp ngập sâu, đề nghị xã sớm khắc phục",
    "Đường liên ấp ngập sâu sau mưa, bà con rất bức xúc",
]


@pytest.fixture
def world(demo_world, analyzer, source_a, source_b):
    pipeline.store_items(source_a, [rec(f"a{i}", t, hours=i) for i, t in enumerate(TEXTS)])
    pipeline.store_items(source_b, [rec(f"b{i}", t, hours=i) for i, t in enumerate(TEXTS)])
    return demo_world


def test_dashboard_reads_only_in_scope_rollups(world):
    officer = make_user("can_bo", "commission_officer", world.province_a)
    day = BASE.astimezone(pipeline.TZ).date()
    totals = selectors.dashboard_totals(officer, start=day, end=day)
    assert totals["volume"] == 6 and not totals["suppressed"]
    series = selectors.series_by_sentiment(officer, start=day, end=day)
    assert [r["volume"] for r in series] == [6]
    communes = selectors.commune_figures(officer, start=day, end=day)
    assert [c["unit_id"] for c in communes] == [world.commune_a.pk]
    assert communes[0]["negativity"] == round(communes[0]["negative"] / 6, 3)
    by_field = selectors.series_by_field(officer, start=day, end=day)
    assert {r["field"] for r in by_field} == {"infrastructure"}
    # straight count equals the rollup figure
    assert sum(r.volume for r in DailyRollup.objects.filter(unit_path__startswith=world.province_a.path)) == (
        Item.objects.filter(unit_path__startswith=world.province_a.path, relevant=True).count()
    )
    nobody = world.users["nobody"]
    assert selectors.dashboard_totals(nobody, start=day, end=day)["volume"] == 0


def test_top_issues_and_timeline_in_scope(world):
    officer = make_user("can_bo", "commission_officer", world.province_a)
    issues = selectors.top_issues(officer)
    assert len(issues) == 1 and issues[0].unit == world.commune_a and issues[0].volume == 6
    timeline = selectors.issue_timeline(officer, issues[0])
    assert sum(r["volume"] for r in timeline) == 6
    quotes = selectors.representative_quotes(officer, issues[0])
    assert quotes and all(q in TEXTS for q in quotes)
    other = make_user("can_bo_b", "commission_officer", world.province_b)
    assert [i.unit for i in selectors.top_issues(other)] == [world.commune_b]
    with pytest.raises(Exception):  # noqa: B017 - out of scope: DoesNotExist
        selectors.issue_timeline(other, issues[0])


def test_review_queue_most_uncertain_first_and_only_in_scope(world):
    analyst = make_user("phan_tich", "opinion_analyst", world.province_a)
    Item.objects.filter(external_id="a3").update(uncertainty=0.99)
    queue = list(selectors.review_queue(analyst))
    assert queue[0].external_id == "a3"
    assert all(it.unit_path.startswith(world.province_a.path) for it in queue)
    assert [q.uncertainty for q in queue] == sorted((q.uncertainty for q in queue), reverse=True)
    leader = make_user("lanh_dao", "leader", world.province_a)
    assert list(selectors.review_queue(leader)) == []  # leaders may read items but not correct them


def test_open_alerts_and_forecasts_are_scoped(world):
    from danvan.opinion import services
    from danvan.opinion.models import Alert

    for commune in (world.commune_a, world.commune_b):
        start = dt.date(2026, 10, 1)
        for i in range(40):
            DailyRollup.objects.update_or_create(
                day=start + dt.timedelta(days=i),
                unit=commune,
                field="land",
                defaults={"unit_path": commune.path, "volume": 30 if i == 39 else 2},
            )
    from danvan.opinion.models import AlertRule

    for province in (world.province_a, world.province_b):
        AlertRule.objects.create(name="r", unit=province, unit_path=province.path, min_volume=5)
    services.alerts_detect(day=dt.date(2026, 11, 9), notify=False)
    services.forecasts_make(on=dt.date(2026, 11, 10))
    assert Alert.objects.count() == 2
    officer = make_user("can_bo", "commission_officer", world.province_a)
    assert [a.unit for a in selectors.open_alerts(officer)] == [world.commune_a]
    assert {f.unit_path[:3] for f in selectors.forecasts_for(officer)} == {world.province_a.path[:3]}
    assert selectors.latest_forecast(officer, unit=world.commune_a, field="land") is not None
    assert selectors.latest_forecast(officer, unit=world.commune_b, field="land") is None


def test_representative_quotes_are_distinct_texts(world):
    officer = make_user("can_bo", "commission_officer", world.province_a)
    issue = selectors.top_issues(officer)[0]
    # the most engaged items of the issue say the same thing (spacing and capitals aside)
    a0, a1 = Item.objects.get(external_id="a0"), Item.objects.get(external_id="a1")
    Item.objects.filter(pk=a0.pk).update(likes=90, duplicate_of_id=None)
    Item.objects.filter(pk=a1.pk).update(
        likes=80, duplicate_of_id=None, text="  ĐƯỜNG liên ấp ngập sâu  sau mưa, người dân bức xúc"
    )
    quotes = selectors.representative_quotes(officer, issue, limit=3)
    assert quotes[0] == TEXTS[0]
    assert len(quotes) == len({" ".join(q.lower().split()) for q in quotes})
    assert len(quotes) == min(3, len({" ".join(t.lower().split()) for t in TEXTS}))
