"""Bulk writing helpers shared by the apps (imports, demo data, benchmark generators): COPY into a table in
the caller's transaction, and primary keys allocated ahead."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def raw_cursor():
    """The psycopg cursor of Django's connection (same transaction), for COPY."""
    connection.ensure_connection()
    return connection.connection.cursor()


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY ``rows`` into ``table`` (in the caller's transaction); returns how many were written."""
    count = 0
    with raw_cursor() as cursor:
        cols = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def next_ids(table: str, count: int) -> Sequence[int]:
    """``count`` primary keys of ``table``, allocated ahead (one call to the sequence per id, in one query):
    a range when they are contiguous (the usual case), else the list."""
    if count <= 0:
        return range(0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(v), max(v), count(*) FROM (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS v "
            "FROM generate_series(1, %s)) s",
            [table, count],
        )
        low, high, n = cursor.fetchone()
    if high - low + 1 == n:
        return range(low, high + 1)
    # Another session took ids in between: fall back to fetching them all (not contiguous).
    with connection.cursor() as cursor:  # pragma: no cover - needs a concurrent writer
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]
