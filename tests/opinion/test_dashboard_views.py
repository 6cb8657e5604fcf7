"""Dashboard and forecast pages: permissions, scope, figures equal the data, small-group suppression."""

from __future__ import annotations

import pytest
from django.urls import reverse

from danvan.opinion.models import DailyRollup, Item
from tests.opinion.analysis_helpers import store


@pytest.fixture
def analyst_a(demo_world, make_user):
    return make_user("dash_a", role="opinion_analyst", unit=demo_world.province_a)


@pytest.fixture
def analyst_b(demo_world, make_user):
    return make_user("dash_b", role="opinion_analyst", unit=demo_world.province_b)


def test_dashboard_needs_permission(client, demo_world, make_user):
    assert client.get(reverse("opinion:dashboard")).status_code == 302  # login
    client.force_login(make_user("dash_none", unit=demo_world.province_a))
    assert client.get(reverse("opinion:dashboard")).status_code == 403


def test_dashboard_figures_equal_the_data_and_are_scoped(client, source_a, analyzer, analyst_a, analyst_b):
    store(source_a, 8)
    volume = Item.objects.filter(source=source_a).count()
    assert volume == 8
    assert sum(r.volume for r in DailyRollup.objects.all()) == volume
    client.force_login(analyst_a)
    r = client.get(reverse("opinion:dashboard"))
    assert r.status_code == 200
    assert r.context["totals"]["volume"] == volume
    assert r.context["totals"]["negative"] == Item.objects.filter(sentiment="negative").count()
    client.force_login(analyst_b)
    r = client.get(reverse("opinion:dashboard"))
    assert r.status_code == 200
    assert not r.context["totals"]["volume"]


def test_dashboard_filters_by_unit_and_field(client, demo_world, source_a, analyzer, analyst_a):
    store(source_a, 8)  # all in commune A
    client.force_login(analyst_a)
    r = client.get(reverse("opinion:dashboard"), {"unit": demo_world.commune_a.pk})
    assert (
        r.status_code == 200
        and r.context["unit"] == demo_world.commune_a
        and r.context["totals"]["volume"] == 8
    )
    r = client.get(reverse("opinion:dashboard"), {"unit": demo_world.commune_a2.pk})
    assert not r.context["totals"]["volume"]
    field = Item.objects.filter(source=source_a).values_list("field", flat=True).first()
    in_field = Item.objects.filter(source=source_a, field=field).count()
    r = client.get(reverse("opinion:dashboard"), {"field": field})
    assert r.context["field"] == field
    assert (r.context["totals"]["volume"] or 0) == (in_field if in_field >= 5 else 0)
    assert client.get(reverse("opinion:dashboard"), {"unit": demo_world.commune_b.pk}).status_code == 404
    assert client.get(reverse("opinion:dashboard"), {"field": "nope"}).context["field"] == ""


def test_dashboard_suppresses_small_groups(client, source_a, analyzer, analyst_a):
    store(source_a, 2)
    client.force_login(analyst_a)
    r = client.get(reverse("opinion:dashboard"))
    assert r.status_code == 200
    assert r.context["totals"]["suppressed"]
    assert r.content.decode().count('id="total-volume">—') == 1


def test_dashboard_empty_state(client, analyst_a):
    client.force_login(analyst_a)
    r = client.get(reverse("opinion:dashboard"), {"days": "7"})
    assert r.status_code == 200


def test_forecast_page(client, demo_world, make_user, analyst_a):
    client.force_login(make_user("dash_none2", unit=demo_world.province_a))
    assert client.get(reverse("opinion:forecast")).status_code == 403
    client.force_login(analyst_a)
    assert client.get(reverse("opinion:forecast")).status_code == 200


def test_navigation_lists_the_opinion_section(client, analyst_a):
    client.force_login(analyst_a)
    body = client.get(reverse("opinion:dashboard")).content.decode()
    assert reverse("opinion:issue-list") in body and reverse("opinion:alert-list") in body
    assert reverse("opinion:privacy") not in body  # the analyst may not change the settings


def test_commune_user_gets_the_province_map(client, demo_world, make_user, source_a, analyzer):
    """Audit #8: a commune's analyst cannot see the province row, but the map is the province's (its commune
    coloured); it used to be blank ("province": "")."""
    store(source_a, 6)
    ward = make_user("dash_xa", role="opinion_analyst", unit=demo_world.commune_a)
    client.force_login(ward)
    r = client.get(reverse("opinion:dashboard"))
    assert r.context["map"]["province"] == demo_world.province_a.code
    assert set(r.context["map"]["values"]) <= {demo_world.commune_a.code}
