"""Privacy: authors only as a keyed hash, small groups hidden, purge keeps aggregates."""

from __future__ import annotations

import datetime as dt

import pytest

from danvan.opinion import pipeline, privacy, selectors
from danvan.opinion.models import DailyRollup, Issue, Item, OpinionSettings
from tests.opinion.conftest import rec

pytestmark = pytest.mark.django_db


def test_author_hash_is_keyed_and_stable(settings):
    a = privacy.author_hash("Nguyễn Văn A")
    assert a == privacy.author_hash(" nguyễn văn a ") and len(a) == 64 and "Nguy" not in a
    assert privacy.author_hash("") == ""


def test_small_groups_are_hidden(demo_world):
    commune = demo_world.commune_a
    day = dt.date(2026, 11, 1)
    DailyRollup.objects.create(
        day=day, unit=commune, unit_path=commune.path, field="land", volume=3, negative=3
    )
    DailyRollup.objects.create(
        day=day, unit=commune, unit_path=commune.path, field="health", volume=8, negative=1
    )
    admin = demo_world.users["admin_a"]
    rows = {r["field"]: r for r in selectors.totals_by_field(admin, start=day, end=day)}
    assert rows["land"]["suppressed"] and rows["land"]["volume"] is None and rows["land"]["negative"] is None
    assert not rows["health"]["suppressed"] and rows["health"]["volume"] == 8
    OpinionSettings.objects.update(min_group_size=2)
    rows = {r["field"]: r for r in selectors.totals_by_field(admin, start=day, end=day)}
    assert rows["land"]["volume"] == 3


def test_purge_blanks_old_text_and_keeps_aggregates(source_a, analyzer):
    old = rec("old", "Đường liên ấp ngập sâu, người dân bức xúc", author="ai đó")
    old["published_at"] = dt.datetime(2024, 1, 5, tzinfo=dt.UTC)
    pipeline.store_items(source_a, [old, rec("new", "Đường liên ấp ngập sâu sau mưa")])
    before = list(DailyRollup.objects.order_by("day").values_list("day", "volume", "negative"))
    issues = list(Issue.objects.values_list("id", "volume"))
    assert privacy.purge_old_text(now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)) == 1
    item = Item.objects.get(external_id="old")
    assert item.text == "" and item.author_hash == "" and item.purged_at is not None
    assert item.field == "infrastructure" and item.issue_id is not None
    assert Item.objects.get(external_id="new").text
    pipeline.analyse_items([item.pk], force=True)  # reprocessing a purged item keeps its labels
    item.refresh_from_db()
    assert item.field == "infrastructure"
    assert list(DailyRollup.objects.order_by("day").values_list("day", "volume", "negative")) == before
    assert list(Issue.objects.values_list("id", "volume")) == issues
