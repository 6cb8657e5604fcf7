"""Monthly partitions of ``opinion_item`` (ADR 0008).

``ensure_partitions(start, end)`` creates the partition of every month touched by [start, end]. A month whose
rows already sit in the default partition (back-dated items that arrived before their partition existed) is
created detached, the rows moved over, then attached, so the default partition's constraint never blocks it.
Creation takes an advisory lock so two workers never race on the same month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction

TABLE = "opinion_item"
_LOCK_KEY = 7_000_001
_known: set[str] = set()


def month_start(value: dt.date | dt.datetime) -> dt.date:
    return dt.date(value.year, value.month, 1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_{month:%Y%m}"


def months_between(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> list[dt.date]:
    month, last = month_start(start), month_start(end)
    months = []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def existing_partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        return {row[0] for row in cursor.fetchall()}


def ensure_partitions(start: dt.date | dt.datetime, end: dt.date | dt.datetime | None = None) -> list[str]:
    """Create the missing monthly partitions between ``start`` and ``end``; returns the names created."""
    return ensure_months(months_between(start, end or start))


def ensure_for(values: Iterable[dt.datetime]) -> list[str]:
    """Partitions for the months of these timestamps (what an ingestion batch calls before inserting)."""
    months = sorted({month_start(_local(v)) for v in values})
    return ensure_months(months)


def _local(value: dt.datetime) -> dt.datetime:
    # Partition bounds are written as dates in the session's time zone (Django sets UTC): use UTC months.
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def ensure_months(months: Iterable[dt.date]) -> list[str]:
    wanted = [m for m in months if partition_name(m) not in _known]
    if not wanted:
        return []
    created: list[str] = []
    existing = existing_partitions()
    missing = [m for m in wanted if partition_name(m) not in existing]
    present = [partition_name(m) for m in wanted if partition_name(m) in existing]
    # Remembered only once committed: a partition seen inside a rolled-back transaction may not exist.
    transaction.on_commit(lambda: _known.update(present))
    if not missing:
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        existing = existing_partitions()
        for month in missing:
            name = partition_name(month)
            if name in existing:
                continue
            lower, upper = f"{month:%Y-%m-%d} 00:00:00+00", f"{next_month(month):%Y-%m-%d} 00:00:00+00"
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {TABLE}_default WHERE published_at >= %s AND published_at < %s)",
                [lower, upper],
            )
            if cursor.fetchone()[0]:
                cursor.execute(
                    f'CREATE TABLE "{name}" (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                )
                cursor.execute(
                    f"WITH moved AS (DELETE FROM {TABLE}_default WHERE published_at >= %s AND published_at < %s "
                    f'RETURNING *) INSERT INTO "{name}" SELECT * FROM moved',
                    [lower, upper],
                )
                cursor.execute(
                    f"ALTER TABLE {TABLE} ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{lower}') TO ('{upper}')"
                )
            else:
                cursor.execute(
                    f"CREATE TABLE \"{name}\" PARTITION OF {TABLE} FOR VALUES FROM ('{lower}') TO ('{upper}')"
                )
            created.append(name)
    # Names are remembered only after the transaction committed (a rolled-back test must not poison the cache).
    transaction.on_commit(lambda: _known.update(partition_name(m) for m in missing))
    return created


def forget_cache() -> None:
    _known.clear()
