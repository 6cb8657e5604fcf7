"""Alert pages: list of the user's units with the reason, acknowledge, rules list/create (permissions)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from danvan.opinion.models import Alert, AlertRule


def _alert(unit, reason="Ý kiến tiêu cực tăng"):
    rule = AlertRule.objects.create(name="R", unit=unit, unit_path=unit.path)
    return Alert.objects.create(
        rule=rule, unit=unit, unit_path=unit.path, day=dt.date(2026, 11, 20), observed=30, baseline=5,
        threshold=12, reason=reason,
    )  # fmt: skip


@pytest.fixture
def alerts(demo_world):
    return _alert(demo_world.commune_a, "Xã A: tăng so với nền 5"), _alert(demo_world.commune_b, "Xã B: tăng")


def test_alert_list_scoped_with_reason_and_acknowledge(client, demo_world, make_user, alerts):
    a, b = alerts
    user = make_user("al_a", role="opinion_analyst", unit=demo_world.province_a)
    client.force_login(user)
    r = client.get(reverse("opinion:alert-list"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "Xã A: tăng so với nền 5" in body and "Xã B: tăng" not in body
    assert client.post(reverse("opinion:alert-acknowledge", args=[b.pk])).status_code == 404
    assert client.post(reverse("opinion:alert-acknowledge", args=[a.pk])).status_code == 302
    a.refresh_from_db()
    assert a.acknowledged_by == user and a.acknowledged_at
    assert a not in client.get(reverse("opinion:alert-list")).context["alerts"]


def test_alert_list_needs_permission(client, demo_world, make_user):
    client.force_login(make_user("al_none", unit=demo_world.province_a))
    assert client.get(reverse("opinion:alert-list")).status_code == 403


def test_rules_list_and_create_permissions(client, demo_world, make_user):
    analyst = make_user("al_b", role="opinion_analyst", unit=demo_world.province_a)
    client.force_login(analyst)
    assert client.get(reverse("opinion:alertrule-list")).status_code == 200
    assert client.get(reverse("opinion:alertrule-create")).status_code == 403
    admin = make_user("al_admin", role="system_admin", unit=demo_world.province_a)
    client.force_login(admin)
    assert client.get(reverse("opinion:alertrule-create")).status_code == 200


def test_home_page_counts_the_alerts_nobody_has_acknowledged(client, demo_world, make_user, alerts):
    """Province A's analyst: commune A's alert only (B is another province), gone once acknowledged."""
    from tests.factories import home_card

    a, _b = alerts
    client.force_login(make_user("al_home", role="opinion_analyst", unit=demo_world.province_a))
    assert home_card(client.get("/"), "Cảnh báo chưa xác nhận") == 1
    client.post(reverse("opinion:alert-acknowledge", args=[a.pk]))
    assert home_card(client.get("/"), "Cảnh báo chưa xác nhận") == 0
    client.force_login(make_user("al_home_none", unit=demo_world.province_a))
    assert home_card(client.get("/"), "Cảnh báo chưa xác nhận") is None  # no right to see alerts: no card
