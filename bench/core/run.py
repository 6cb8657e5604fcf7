"""Benchmark of the list exports (``make bench`` runs it): a member list exported to CSV and .xlsx through
``core.exports.table_export``, with django-tables2's per-cell signature inspection cached (``core.apps``, this
code) and without (the library as shipped), alternating run for run.

It reads the members benchmark's province (``danvan_bench_members``, built by ``bench/members/run.py``); without
it, it says so and stops.

    .venv/bin/python bench/core/run.py [--rows 5000 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default=os.environ.get("DANVAN_BENCH_DATABASE", "danvan_bench_members"))
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "bench" / "members"))
    from run import _database_url  # the members benchmark's database helper

    os.environ["DATABASE_URL"] = _database_url(args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "danvan.settings")
    import django

    try:
        django.setup()
        from danvan.members.models import Membership

        Membership.objects.exists()
    except Exception as exc:
        print(f"no members benchmark database ({args.database}): run bench/members/run.py first ({exc})")
        return 0
    from django_tables2 import utils

    from danvan.accounts.models import User
    from danvan.core import exports
    from danvan.members import selectors
    from danvan.members.tables import MembershipTable

    cached, original = utils.signature, utils.signature.original
    actor = User.objects.filter(is_superuser=True).first()
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}"
    }
    for n in args.rows:
        ids = list(selectors.member_list(actor=actor).values_list("pk", flat=True)[:n])
        for fmt in ("csv", "xlsx"):
            times: dict[str, list[float]] = {"cached": [], "library": []}
            for _ in range(args.runs):
                for label, fn in (("library", original), ("cached", cached)):
                    utils.signature = fn
                    table = MembershipTable(selectors.member_list(actor=actor).filter(pk__in=ids))
                    started = time.perf_counter()
                    response = exports.table_export(table, fmt, "bench")
                    body = b"".join(response.streaming_content) if fmt == "csv" else response.content
                    times[label].append(time.perf_counter() - started)
                    assert body
            utils.signature = cached
            row = {k: statistics.median(v) for k, v in times.items()}
            row["ratio"] = row["cached"] / row["library"]
            results[f"{n} {fmt}"] = row
            print(
                f"{n:>6} rows {fmt:4}: library {row['library']:.2f} s, cached {row['cached']:.2f} s "
                f"(× {row['ratio']:.2f}; {n / row['cached']:,.0f} rows/s)",
                flush=True,
            )
    (REPO / "bench" / "core" / "results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
