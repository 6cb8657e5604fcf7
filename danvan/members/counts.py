"""The daily counts (``DailyCount``) that make the figures at any date instant, kept by the services.

A membership adds +1 to its branch on ``joined_on`` (in the column of how it started) and −1 on ``left_on``
(in the column of how it ended); ``active`` is the running total after each day. A single movement updates
one row and shifts the running total of the branch's later rows; bulk writes (imports, a whole branch moving,
the demo) rebuild the counts of the branches they touched from the memberships, set-based.

Locking: every single update takes a shared lock on the whole registry and an exclusive lock on its branch;
a rebuild takes the registry lock exclusively. Concurrent movements of one branch therefore queue, and no
running total is computed from a snapshot another transaction is changing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection

from danvan.members.models import END_COLUMN, START_COLUMN, Membership

LOCK_ALL = 0x4D454D42  # "MEMB"
LOCK_BRANCH_BASE = 0x4D454D42 << 32

COUNT_COLUMNS = [
    "joined",
    "rejoined",
    "transfer_in",
    "transfer_out",
    "left_over_age",
    "left_moved_away",
    "left_resigned",
    "left_deceased",
    "left_expelled",
]


def _lock_branch(cursor, branch_id: int) -> None:
    cursor.execute(
        "SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock(%s)",
        [LOCK_ALL, LOCK_BRANCH_BASE + branch_id],
    )


def lock_all() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ALL])


def apply(*, branch_id: int, day: date, column: str, count: int, net: int) -> None:
    """Add ``count`` to ``column`` and ``net`` to the active total of ``branch_id`` from ``day`` on: a start is
    (+1, +1), an end (+1, −1); undoing them (a correction) is (−1, −1) and (−1, +1)."""
    assert column in COUNT_COLUMNS and count in (1, -1) and net in (1, -1)
    with connection.cursor() as cursor:
        _lock_branch(cursor, branch_id)
        cursor.execute(
            """
            INSERT INTO members_dailycount (branch_id, day, org_type_id, unit_path, org_path,
                joined, rejoined, transfer_in, transfer_out, left_over_age, left_moved_away, left_resigned,
                left_deceased, left_expelled, net, active)
            SELECT b.id, %(day)s, o.type_id, b.unit_path, b.path, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                COALESCE((SELECT d.active FROM members_dailycount d
                          WHERE d.branch_id = b.id AND d.day < %(day)s ORDER BY d.day DESC LIMIT 1), 0)
            FROM structure_branch b JOIN structure_organisation o ON o.id = b.organisation_id
            WHERE b.id = %(branch)s
            ON CONFLICT (branch_id, day) DO NOTHING
            """,
            {"day": day, "branch": branch_id},
        )
        cursor.execute(
            f"UPDATE members_dailycount SET {column} = {column} + %(count)s, net = net + %(net)s, "
            "active = active + %(net)s WHERE branch_id = %(branch)s AND day = %(day)s",
            {"count": count, "net": net, "branch": branch_id, "day": day},
        )
        cursor.execute(
            "UPDATE members_dailycount SET active = active + %(net)s WHERE branch_id = %(branch)s AND day > %(day)s",
            {"net": net, "branch": branch_id, "day": day},
        )


def add_start(membership: Membership, *, undo: bool = False) -> None:
    column = START_COLUMN[membership.start_kind]
    apply(
        branch_id=membership.branch_id,
        day=membership.joined_on,
        column=column,
        count=-1 if undo else 1,
        net=-1 if undo else 1,
    )


def add_end(membership: Membership, *, undo: bool = False) -> None:
    column = END_COLUMN[membership.end_reason]
    apply(
        branch_id=membership.branch_id,
        day=membership.left_on,
        column=column,
        count=-1 if undo else 1,
        net=1 if undo else -1,
    )


_SOURCE = """
    SELECT branch_id, joined_on AS day,
        (start_kind = 'join')::int AS joined, (start_kind = 'rejoin')::int AS rejoined,
        (start_kind = 'transfer_in')::int AS transfer_in, 0 AS transfer_out,
        0 AS left_over_age, 0 AS left_moved_away, 0 AS left_resigned, 0 AS left_deceased, 0 AS left_expelled,
        1 AS net
    FROM members_membership m {where}
    UNION ALL
    SELECT branch_id, left_on,
        0, 0, 0, (end_reason = 'transferred')::int,
        (end_reason = 'over_age')::int, (end_reason = 'moved_away')::int, (end_reason = 'resigned')::int,
        (end_reason = 'deceased')::int, (end_reason = 'expelled')::int,
        -1
    FROM members_membership m WHERE left_on IS NOT NULL {and_where}
"""


def rebuild(*, branch_ids: Iterable[int] | None = None) -> int:
    """Recompute the daily counts of ``branch_ids`` (all branches when None) from the memberships.
    Must run inside the caller's transaction; returns the number of rows written."""
    ids = None if branch_ids is None else sorted(set(branch_ids))
    lock_all()
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute("DELETE FROM members_dailycount")
            source = _SOURCE.format(where="", and_where="")
            params: list = []
        else:
            if not ids:
                return 0
            cursor.execute("DELETE FROM members_dailycount WHERE branch_id = ANY(%s)", [ids])
            source = _SOURCE.format(where="WHERE branch_id = ANY(%s)", and_where="AND branch_id = ANY(%s)")
            params = [ids, ids]
        sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNT_COLUMNS)
        cursor.execute(
            f"""
            INSERT INTO members_dailycount (branch_id, day, org_type_id, unit_path, org_path,
                {", ".join(COUNT_COLUMNS)}, net, active)
            SELECT d.branch_id, d.day, o.type_id, b.unit_path, b.path, {", ".join("d." + c for c in COUNT_COLUMNS)},
                d.net, SUM(d.net) OVER (PARTITION BY d.branch_id ORDER BY d.day)
            FROM (SELECT branch_id, day, {sums}, SUM(net) AS net FROM ({source}) e GROUP BY branch_id, day) d
            JOIN structure_branch b ON b.id = d.branch_id
            JOIN structure_organisation o ON o.id = b.organisation_id
            """,
            params,
        )
        return cursor.rowcount


def verify(*, branch_ids: Iterable[int] | None = None) -> list[tuple]:
    """Rows where the kept counts differ from a rebuild (empty when all agree): for tests and checks."""
    ids = None if branch_ids is None else sorted(set(branch_ids))
    where = "" if ids is None else "WHERE branch_id = ANY(%(ids)s)"
    and_where = "" if ids is None else "AND branch_id = ANY(%(ids)s)"
    source = _SOURCE.format(where=where, and_where=and_where)
    cols = ", ".join(COUNT_COLUMNS)
    sums = ", ".join(f"SUM({c})::int AS {c}" for c in COUNT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH fresh AS (
                SELECT branch_id, day, {cols}, net, (SUM(net) OVER (PARTITION BY branch_id ORDER BY day))::int AS active
                FROM (SELECT branch_id, day, {sums}, SUM(net)::int AS net FROM ({source}) e GROUP BY branch_id, day) d
            ), kept AS (
                SELECT branch_id, day, {cols}, net, active FROM members_dailycount
                WHERE ({" OR ".join(c + " <> 0" for c in COUNT_COLUMNS)}) {and_where}
            )
            (SELECT 'missing', * FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept) a)
            UNION ALL
            (SELECT 'extra', * FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh) b)
            """,
            {"ids": ids},
        )
        return cursor.fetchall()


def add_imported(*, batch_id: int) -> int:
    """Add the memberships an import created (all started by joining) to the daily counts, set-based, in
    one statement that writes every row once: a row for each new (branch, day), carrying the active total of
    the day before, and the later days of the branches the import joined, their running totals shifted by the
    new joins up to their day. Cheaper than a rebuild when the branches already hold a long history. The new
    joins are counted from the batch's valid staging rows, each of which the commit has just inserted as one
    membership (a scan of the staging rows, not of the whole registry's memberships). Returns the rows
    written."""
    lock_all()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMPORARY TABLE members_import_delta ON COMMIT DROP AS
            SELECT branch_id, joined_on AS day, count(*)::int AS n
            FROM members_importrow WHERE batch_id = %s AND errors = '' GROUP BY branch_id, joined_on
            """,
            [batch_id],
        )
        cursor.execute("ANALYZE members_import_delta")
        # Per branch, from its first new day on: the kept rows (their active total) and the new days (their
        # joins), merged by day; a day without a kept row takes the active total of the last kept day before
        # it (``grp`` counts the kept rows so far), or of the branch's last row before its first new day.
        cursor.execute(
            """
            WITH first AS (
                SELECT f.branch_id, f.day,
                    COALESCE((SELECT x.active FROM members_dailycount x
                              WHERE x.branch_id = f.branch_id AND x.day < f.day ORDER BY x.day DESC LIMIT 1),
                             0) AS before
                FROM (SELECT branch_id, min(day) AS day FROM members_import_delta GROUP BY branch_id) f
            ),
            per_day AS (
                SELECT branch_id, day, max(kept) AS kept, sum(n)::int AS n
                FROM (
                    SELECT t.branch_id, t.day, t.active AS kept, 0 AS n
                    FROM members_dailycount t JOIN first f ON f.branch_id = t.branch_id AND t.day >= f.day
                    UNION ALL
                    SELECT branch_id, day, NULL, n FROM members_import_delta
                ) m
                GROUP BY branch_id, day
            ),
            carried AS (
                SELECT branch_id, day, kept, n,
                    count(kept) OVER w AS grp, sum(n) OVER w AS upto
                FROM per_day WINDOW w AS (PARTITION BY branch_id ORDER BY day)
            ),
            final AS (
                SELECT c.branch_id, c.day, c.n,
                    COALESCE(first_value(c.kept) OVER (PARTITION BY c.branch_id, c.grp ORDER BY c.day), f.before)
                        + c.upto AS active
                FROM carried c JOIN first f ON f.branch_id = c.branch_id
            )
            INSERT INTO members_dailycount AS t (branch_id, day, org_type_id, unit_path, org_path,
                joined, rejoined, transfer_in, transfer_out, left_over_age, left_moved_away, left_resigned,
                left_deceased, left_expelled, net, active)
            SELECT d.branch_id, d.day, o.type_id, b.unit_path, b.path, d.n, 0, 0, 0, 0, 0, 0, 0, 0, d.n, d.active
            FROM final d
            JOIN structure_branch b ON b.id = d.branch_id
            JOIN structure_organisation o ON o.id = b.organisation_id
            ORDER BY d.branch_id, d.day
            ON CONFLICT (branch_id, day) DO UPDATE
            SET active = EXCLUDED.active, joined = t.joined + EXCLUDED.joined, net = t.net + EXCLUDED.net
            """
        )
        return cursor.rowcount
