"""The demo extension: a month of opinion with issues, an alert and forecasts, through the real pipeline."""

from __future__ import annotations

import pytest

from danvan.opinion import demo
from danvan.opinion.models import Alert, DailyRollup, Forecast, Issue, Item, Source

pytestmark = pytest.mark.django_db


def test_demo_builds_a_month_of_opinion(demo_world, analyzer):
    counts = demo.generate(province=demo_world.province_a, first_commune=demo_world.commune_a, seed=7)
    # the daily volume follows the weekdays of the month before today, so the total varies with the date
    # (497 to about 600 with this seed): the floor only says "a month of several communes' pages"
    assert counts["items"] == Item.objects.count() > 350
    assert Item.objects.filter(kind="article").count() == 5
    assert Source.objects.filter(kind="file").exclude(column_mapping={}).exists()
    assert Item.objects.filter(analysed_at__isnull=True).count() == 0
    land = Issue.objects.filter(unit=demo_world.commune_a, field="land").order_by("-volume").first()
    assert land is not None and land.volume >= 40
    assert Alert.objects.filter(unit=demo_world.commune_a, field="land").exists()
    assert Forecast.objects.filter(unit=demo_world.province_a, field="").exists()
    assert (
        sum(DailyRollup.objects.values_list("volume", flat=True))
        == Item.objects.filter(relevant=True).count()
    )
    assert not Item.objects.filter(author_hash__in=demo.HANDLES).exists()
