"""Bulk writing for the demo and the benchmark generator: COPY into a table and ids allocated ahead (the
helpers of ``danvan.core.bulk``, shared with the members module), and the row-history insert triggers
switched off for the current transaction (the tally triggers stay on: they are statement-level and aggregate
the whole COPY at once).
"""

from __future__ import annotations

from django.db import connection

from danvan.core.bulk import copy_rows, next_ids

__all__ = ["copy_rows", "insert_history_off", "next_ids"]


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
