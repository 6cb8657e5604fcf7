"""Alert rules (fire / do not fire, reason, recipients, acknowledgement) and forecasts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from danvan.opinion import services
from danvan.opinion.models import Alert, AlertRule, DailyRollup, Forecast
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 30)


def _rollups(unit, counts, field="land"):
    start = DAY - dt.timedelta(days=len(counts) - 1)
    for i, n in enumerate(counts):
        DailyRollup.objects.create(
            day=start + dt.timedelta(days=i),
            unit=unit,
            unit_path=unit.path,
            field=field,
            volume=n,
            negative=n,
        )


def _rule(unit, **kw):
    return AlertRule.objects.create(name="Đất đai", unit=unit, unit_path=unit.path, field="land", **kw)


def test_burst_fires_once_with_reason_and_email(demo_world):
    commune = demo_world.commune_a
    user = make_user("can_bo_xa", "commission_officer", commune)
    user.email = "canbo@example.vn"
    user.save()
    _rollups(commune, [2, 3, 2, 1, 3, 2, 2] * 4 + [30])
    rule = _rule(demo_world.province_a, sensitivity=3, min_volume=10)
    report = services.alerts_detect(day=DAY)
    assert report.created == 1
    alert = Alert.objects.get()
    assert alert.unit == commune and alert.observed == 30 and alert.baseline == 2
    assert "30" in alert.reason and "tăng đột biến" in alert.reason and commune.name in alert.reason
    assert mail.outbox and mail.outbox[0].to == ["canbo@example.vn"] and alert.reason in mail.outbox[0].body
    # running again the same day creates nothing new
    assert services.alerts_detect(day=DAY, rules=[rule]).created == 0


def test_no_alert_below_min_volume_or_threshold(demo_world):
    commune = demo_world.commune_a
    _rollups(commune, [2, 3, 2, 1, 3, 2, 2] * 4 + [9])
    _rule(demo_world.province_a, sensitivity=3, min_volume=10)
    assert services.alerts_detect(day=DAY).created == 0
    DailyRollup.objects.filter(day=DAY).update(volume=12)
    AlertRule.objects.update(sensitivity=15)
    assert services.alerts_detect(day=DAY).created == 0


def test_rule_outside_its_scope_does_not_fire(demo_world):
    _rollups(demo_world.commune_b, [2, 3, 2, 1, 3, 2, 2] * 4 + [30])
    _rule(demo_world.province_a, sensitivity=3, min_volume=10)
    assert services.alerts_detect(day=DAY).created == 0


def test_acknowledge_needs_permission_in_scope(demo_world):
    _rollups(demo_world.commune_a, [2, 3, 2, 1, 3, 2, 2] * 4 + [30])
    _rule(demo_world.province_a, sensitivity=3, min_volume=10)
    services.alerts_detect(day=DAY, notify=False)
    alert = Alert.objects.get()
    outsider = make_user("ngoai", "commission_officer", demo_world.commune_b)
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(actor=outsider, alert=alert)
    insider = make_user("trong", "commission_officer", demo_world.commune_a)
    services.alert_acknowledge(actor=insider, alert=alert)
    alert.refresh_from_db()
    assert alert.acknowledged_by == insider and alert.acknowledged_at is not None


def test_rule_create_checks_permission_and_values(demo_world):
    admin = demo_world.users["admin_a"]
    rule = services.alertrule_create(
        actor=admin, unit=demo_world.province_a, name="Môi trường", field="environment"
    )
    assert rule.unit_path == demo_world.province_a.path
    with pytest.raises(PermissionDenied):
        services.alertrule_create(actor=demo_world.users["officer_ca"], unit=demo_world.commune_a, name="x")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.alertrule_create(actor=admin, unit=demo_world.province_a, name="x", sensitivity=0)


def test_forecast_per_field_and_unit_with_interval(demo_world):
    commune = demo_world.commune_a
    _rollups(commune, [5, 6, 4, 5, 7, 3, 2] * 8)
    report = services.forecasts_make(on=DAY + dt.timedelta(days=1))
    assert report.made >= 2
    f = Forecast.objects.get(unit=commune, field="land")
    assert len(f.points) == 7 and len(f.history) == 56
    assert all(p["lower"] <= p["mean"] <= p["upper"] for p in f.points)
    assert f.method and f.backtest_error is not None
    assert Forecast.objects.filter(unit=demo_world.province_a, field="").exists()


def test_issue_rule_fires_on_a_swelling_issue(source_a, analyzer, demo_world):
    from danvan.opinion import pipeline
    from danvan.opinion.models import Issue
    from tests.opinion.conftest import BASE, rec

    text = "Bồi thường đất làm đường quá thấp, người dân bức xúc"
    rows = [rec(f"d{d}", text + f" ({d})", days=d - 20) for d in range(20)]
    rows += [rec(f"s{n}", text + f" [{n}]", hours=n % 10) for n in range(25)]
    pipeline.store_items(source_a, rows)
    issue = Issue.objects.get()
    assert issue.volume == 45
    AlertRule.objects.create(
        name="Vụ việc", unit=demo_world.province_a, unit_path=demo_world.province_a.path, target="issue",
        sensitivity=3, min_volume=10, baseline_days=14,
    )  # fmt: skip
    day = BASE.astimezone(pipeline.TZ).date()
    report = services.alerts_detect(day=day, notify=False)
    assert report.created == 1
    alert = Alert.objects.get()
    assert alert.issue == issue and alert.observed == 25 and issue.title in alert.reason
