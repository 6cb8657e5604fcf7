"""The opinion tables: Item partitioned by month, idempotency key, ORM reads and writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from danvan.opinion import partitions
from danvan.opinion.models import Correction, Item, ItemKey, OpinionSettings, Source, SourceKind

pytestmark = pytest.mark.django_db


def _source(unit):
    return Source.objects.create(name="Báo", kind=SourceKind.API, unit=unit, unit_path=unit.path)


def _item(source, when, ext="1"):
    return Item.objects.create(
        source=source,
        external_id=ext,
        text="Đường ngập nước",
        published_at=when,
        unit=source.unit,
        unit_path=source.unit.path,
    )


def _partition_of(item_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM opinion_item WHERE id = %s", [item_id])
        return cursor.fetchone()[0]


def test_item_table_is_partitioned(demo_world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'opinion_item'")
        assert cursor.fetchone()[0] == "p"
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'opinion_item'::regclass "
            "AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, published_at)"


def test_rows_go_to_their_month_and_the_orm_reads_them(demo_world):
    source = _source(demo_world.commune_a)
    when = dt.datetime(2026, 3, 15, 8, tzinfo=dt.UTC)
    partitions.ensure_partitions(when)
    item = _item(source, when)
    assert _partition_of(item.pk) == "opinion_item_202603"
    item.text = "Đường ngập sâu"
    item.save()
    assert Item.objects.get(pk=item.pk).text == "Đường ngập sâu"
    assert list(source.items.all()) == [item]
    Correction.objects.create(
        item=item, analyst=demo_world.users["admin_a"], what="field", new="infrastructure"
    )
    assert item.corrections.count() == 1
    item.delete()
    assert not Item.objects.filter(pk=item.pk).exists()


def test_back_dated_rows_move_out_of_the_default_partition(demo_world):
    source = _source(demo_world.commune_a)
    when = dt.datetime(2019, 1, 2, tzinfo=dt.UTC)
    item = _item(source, when)
    assert _partition_of(item.pk) == "opinion_item_default"
    assert partitions.ensure_partitions(when) == ["opinion_item_201901"]
    assert _partition_of(item.pk) == "opinion_item_201901"
    assert Item.objects.get(pk=item.pk).published_at == when


def test_item_key_is_unique_per_source(demo_world):
    source = _source(demo_world.commune_a)
    when = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
    ItemKey.objects.create(source=source, external_id="x", item_id=1, published_at=when)
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemKey.objects.create(source=source, external_id="x", item_id=2, published_at=when)


def test_settings_single_row_defaults(db):
    settings_row = OpinionSettings.get()
    assert settings_row.min_group_size == 5
    assert settings_row.retention_days == 365
    assert OpinionSettings.get().pk == settings_row.pk


def test_ensure_partitions_is_idempotent_and_bounds_are_utc_months(db):
    assert partitions.months_between(dt.date(2026, 11, 20), dt.date(2027, 1, 2)) == [
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    ]
    created = partitions.ensure_partitions(dt.date(2031, 11, 20), dt.date(2032, 1, 2))
    assert created == ["opinion_item_203111", "opinion_item_203112", "opinion_item_203201"]
    assert partitions.ensure_partitions(dt.date(2031, 12, 1)) == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'opinion_item_203112'"
        )
        bound = cursor.fetchone()[0]
    assert "2031-12-01 00:00:00+00" in bound and "2032-01-01 00:00:00+00" in bound
