"""The forecast page: the last 28 days of rollups beside the latest 7-day forecast (chart data and table
equal the rows), the unit and field filters, the scope and small-group suppression."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from danvan.opinion.models import DailyRollup, Forecast
from tests.e2e.conftest import browser_page, login  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _forecast(unit, field, means, made_on, spread=3.0):
    points = [
        {
            "date": (made_on + dt.timedelta(days=i)).isoformat(),
            "mean": m,
            "lower": m - spread,
            "upper": m + spread,
        }
        for i, m in enumerate(means)
    ]
    return Forecast.objects.create(
        unit=unit, unit_path=unit.path, field=field, made_on=made_on, points=points, history=[], method="ets"
    )


def _rollup(unit, day, volume, field="infrastructure"):
    DailyRollup.objects.create(day=day, unit=unit, unit_path=unit.path, field=field, volume=volume)


@pytest.fixture
def data(demo_world):
    w = demo_world
    today = timezone.localdate()
    _rollup(w.commune_a, today - dt.timedelta(days=1), 6)
    _rollup(w.commune_a, today - dt.timedelta(days=1), 3, field="land")
    _rollup(w.commune_a, today - dt.timedelta(days=3), 2)  # under the minimum group size
    _rollup(w.commune_a, today - dt.timedelta(days=40), 50)  # older than 28 days
    _rollup(w.commune_b, today - dt.timedelta(days=1), 70)
    _forecast(w.commune_a, "", [1.0] * 7, today - dt.timedelta(days=7))  # an older forecast
    return {
        "total": _forecast(w.commune_a, "", [10.5, 11.25, 9.0, 8.5, 12.0, 10.0, 9.75], today),
        "land": _forecast(w.commune_a, "land", [4.0] * 7, today, spread=2.0),
        "tiny": _forecast(w.commune_a, "education", [0.25] * 7, today, spread=0.25),
        "b": _forecast(w.commune_b, "", [77.7] * 7, today),
    }


@pytest.fixture
def analyst_a(demo_world, make_user):
    return make_user("fc_a", role="opinion_analyst", unit=demo_world.commune_a)


def _chart(response) -> dict:
    m = re.search(
        r'<script id="forecast-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(m.group(1))


def test_table_and_chart_equal_the_forecast_rows(client, demo_world, analyst_a, data):
    client.force_login(analyst_a)
    r = client.get(reverse("opinion:forecast"))
    assert r.status_code == 200 and r.context["unit"] == demo_world.commune_a  # the home unit by default
    forecast = data["total"]
    assert r.context["forecast"] == forecast
    rows = r.context["rows"]
    assert len(rows) == 28 + 7
    future = [x for x in rows if x["mean"] is not None]
    assert [(x["day"].isoformat(), x["mean"], x["lower"], x["upper"]) for x in future] == [
        (p["date"], p["mean"], p["lower"], p["upper"]) for p in forecast.points
    ]
    body = r.content.decode()
    assert body.count("data-forecast=") == 7
    assert "11,2" in body or "11.2" in body  # 11.25 with one decimal
    week = r.context["week"]
    assert week["mean"] == pytest.approx(sum(p["mean"] for p in forecast.points))
    chart = _chart(r)
    assert chart["mean"][-7:] == [p["mean"] for p in forecast.points]
    assert chart["band"][-7:] == [6.0] * 7
    # The observed history: 6 + 3 items yesterday over all fields, a day under the minimum hidden, 0 elsewhere.
    today = timezone.localdate()
    by_day = {x["day"]: x for x in rows if x["mean"] is None}
    assert by_day[today - dt.timedelta(days=1)]["observed"] == 9
    assert by_day[today - dt.timedelta(days=3)]["suppressed"] and chart["observed"][27 - 2] is None
    assert by_day[today - dt.timedelta(days=2)]["observed"] == 0
    assert min(by_day) == today - dt.timedelta(days=28)
    # The unit's other latest forecasts: all fields and land shown, education (under 5 items) hidden.
    others = {o["field"]: o for o in r.context["others"]}
    assert set(others) == {"", "land", "education"}
    assert (
        others["land"]["mean"] == 28.0
        and others["land"]["lower"] == 14.0
        and not others["land"]["suppressed"]
    )
    assert others["education"]["suppressed"]


@pytest.mark.parametrize(
    "method, words",
    [
        ("ETS(A,Ad,A) m=7", "làm mượt hàm mũ có xu hướng tắt dần và mùa vụ 7 ngày"),
        ("ETS(A,Ad,N)", "làm mượt hàm mũ có xu hướng tắt dần"),
        ("naive", "dự báo đơn giản theo các ngày gần nhất"),
    ],
)
def test_the_method_is_described_in_words_with_its_notation_as_a_title(
    client, analyst_a, data, method, words
):
    from html import escape

    Forecast.objects.filter(pk=data["total"].pk).update(method=method)
    client.force_login(analyst_a)
    body = client.get(reverse("opinion:forecast")).content.decode()
    header = re.search(r'<p class="small text-muted">(.*?)</p>', body, re.S).group(1)
    assert f'<span id="forecast-method" title="{escape(method)}">{words}</span>' in header
    assert header.count(escape(method)) == 1  # the notation only in the title attribute


def test_field_filter_and_suppression(client, demo_world, analyst_a, data):
    client.force_login(analyst_a)
    r = client.get(reverse("opinion:forecast"), {"field": "land"})
    assert r.context["forecast"] == data["land"]
    observed = {x["day"]: x["observed"] for x in r.context["rows"] if x["mean"] is None}
    assert observed[timezone.localdate() - dt.timedelta(days=1)] is None  # 3 land items: under the minimum
    r = client.get(reverse("opinion:forecast"), {"field": "infrastructure"})
    observed = {x["day"]: x["observed"] for x in r.context["rows"] if x["mean"] is None}
    assert r.context["forecast"] is None and observed[timezone.localdate() - dt.timedelta(days=1)] == 6
    r = client.get(reverse("opinion:forecast"), {"field": "education"})
    assert r.context["suppressed"] and 'id="forecast-suppressed"' in r.content.decode()
    assert [x for x in r.context["rows"] if x["mean"] is not None] == []


def test_another_communes_forecast_is_not_shown(client, demo_world, analyst_a, make_user, data):
    client.force_login(analyst_a)
    r = client.get(reverse("opinion:forecast"))
    body = r.content.decode()
    assert "77,7" not in body and "77.7" not in body and demo_world.commune_b.name not in body
    assert demo_world.commune_b not in r.context["units"]
    assert client.get(reverse("opinion:forecast"), {"unit": demo_world.commune_b.pk}).status_code == 404
    assert client.get(reverse("opinion:forecast"), {"unit": demo_world.commune_a2.pk}).status_code == 404
    # The other province's analyst sees commune B's forecast and nothing of commune A.
    client.force_login(make_user("fc_b", role="opinion_analyst", unit=demo_world.commune_b))
    r = client.get(reverse("opinion:forecast"))
    assert r.context["forecast"] == data["b"] and {o["field"] for o in r.context["others"]} == {""}


def test_forecast_page_without_forecast(client, demo_world, analyst_a):
    client.force_login(analyst_a)
    r = client.get(reverse("opinion:forecast"))
    assert r.status_code == 200 and r.context["forecast"] is None
    assert 'id="forecast-empty"' in r.content.decode()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_forecast_chart_draws_in_a_browser(live_server, browser_page):  # noqa: F811
    """The chart script runs under the CSP (no inline script) and draws the history and the forecast."""
    from tests.factories import build_world, make_user

    world = build_world()
    today = timezone.localdate()
    _rollup(world.commune_a, today - dt.timedelta(days=1), 8)
    _forecast(world.commune_a, "", [10.5] * 7, today)
    make_user("e2e_fc", "opinion_analyst", world.commune_a)
    page, base = browser_page, live_server.url
    errors = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, "e2e_fc")
    page.goto(f"{base}/opinion/forecast/")
    page.wait_for_selector("#forecast-chart canvas", timeout=10000)
    assert page.locator("#forecast-table tr[data-forecast]").count() == 7
    assert not errors, errors


@pytest.mark.django_db
def test_a_forecast_is_made_again_when_later_items_change_its_history(
    client, demo_world, analyst_a, source_a, analyzer
):
    """Audit #9: back-dated items arriving after the morning's forecast: the page says so and when it was made,
    and the refresh makes it again from the data the page shows."""
    from danvan.opinion import pipeline, selectors, services
    from danvan.opinion.models import Forecast
    from tests.opinion.analysis_helpers import recent

    for d in range(1, 15):
        pipeline.store_items(source_a, recent(2, prefix=f"a{d}-", days_ago=d))
    today = timezone.localdate()
    services.forecasts_make(on=today)
    before = Forecast.objects.get(unit=demo_world.commune_a, field="", made_on=today)
    assert before.made_at is not None and not selectors.forecast_is_stale(before)
    for d in range(1, 15):  # the cases' flow back-dates many more items
        pipeline.store_items(source_a, recent(8, prefix=f"b{d}-", days_ago=d))
    assert selectors.forecast_is_stale(before)
    client.force_login(analyst_a)
    body = client.get(reverse("opinion:forecast"), {"unit": demo_world.commune_a.pk}).content.decode()
    assert 'id="forecast-stale"' in body and 'id="forecast-made"' in body
    services.forecasts_refresh(on=today)
    after = Forecast.objects.get(unit=demo_world.commune_a, field="", made_on=today)
    assert not selectors.forecast_is_stale(after)
    assert selectors.forecast_week(after)["mean"] > 2 * selectors.forecast_week(before)["mean"]
    body = client.get(reverse("opinion:forecast"), {"unit": demo_world.commune_a.pk}).content.decode()
    assert 'id="forecast-stale"' not in body
