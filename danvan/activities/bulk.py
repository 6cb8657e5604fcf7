"""Bulk writing for the demo and the benchmark generator: COPY into a table, ids allocated ahead, and the
row-history insert triggers switched off for the current transaction (the tally triggers stay on: they are
statement-level and aggregate the whole COPY at once).

The same helpers exist in the members module; they are repeated here so that neither module depends on the
other (a candidate for ``core`` once both settle).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY ``rows`` into ``table`` in the caller's transaction; returns how many were written."""
    connection.ensure_connection()
    count = 0
    with connection.connection.cursor() as cursor:
        cols = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def next_ids(table: str, count: int) -> list[int]:
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]


def insert_history_off(*labels: str) -> None:
    """Skip the row-history insert triggers of the given models ("activities.Meeting") until the end of the
    current transaction: bulk-generated rows are not one history row each."""
    import pgtrigger

    names = []
    for label in labels:
        for model, trigger in pgtrigger.registered(f"{label}:insert_insert"):
            names.append(trigger.get_pgid(model))
    if names:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"])
