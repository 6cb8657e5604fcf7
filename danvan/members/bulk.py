"""Bulk writing helpers shared by the import, the demo and the benchmark generator: COPY into a table, id
ranges allocated ahead, and switching off the row-history triggers of inserts in the current transaction.

Inserts made in bulk are recorded by their import batch (``import_batch`` on every row) rather than by one
history row each; updates and deletes of those rows are still recorded by the history triggers.
"""

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


def next_ids(table: str, count: int) -> range:
    """``count`` primary keys of ``table``, allocated ahead (one call to the sequence per id, in one query)."""
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
        return [row[0] for row in cursor.fetchall()]  # type: ignore[return-value]


def insert_history_off(*labels: str) -> None:
    """Skip the row-history insert triggers of the given models ("members.Person") until the end of the
    current transaction."""
    import pgtrigger

    names = []
    for label in labels:
        for model, trigger in pgtrigger.registered(f"{label}:insert_insert"):
            names.append(trigger.get_pgid(model))
    if names:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"])
