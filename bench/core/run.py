"""Benchmarks of the shared pages (``make bench`` runs them):

- exports: a member list exported to CSV and .xlsx through ``core.exports.table_export``, with
  django-tables2's per-cell signature inspection cached (``core.apps``, this code) and without (the library as
  shipped), alternating run for run;
- search: the top bar's search (``core.search``, every module's sources) for a few words, against the member
  list's first page for the same words (the baseline, in the same run).

They read the members benchmark's province (``danvan_bench_members``, built by ``bench/members/run.py``);
without it, they say so and stop.

    .venv/bin/python bench/core/run.py [--part exports search] [--rows 5000 20000] [--runs 3]
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
    parser.add_argument("--part", nargs="+", choices=["exports", "search"], default=["exports", "search"])
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
    path = REPO / "bench" / "core" / "results.json"
    results: dict = json.loads(path.read_text()) if path.exists() else {}
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}"
    if "search" in args.part:
        results["search"] = bench_search(actor, args.runs)
        path.write_text(json.dumps(results, indent=2))
    for n in args.rows if "exports" in args.part else ():
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
    path.write_text(json.dumps(results, indent=2))
    return 0


SEARCHES = ["nguyen thi", "tran van hung", "phu", "hoa binh", "zzqx"]


def bench_search(actor, runs: int) -> dict:
    """Median time of the whole search (every source) and of the member list's first page for the same words
    (the list's own code path: ``selectors.member_page``), alternating; and the rows of the province."""
    from django.test import RequestFactory

    from danvan.core import search
    from danvan.members import selectors
    from danvan.members.filters import MembershipFilter
    from danvan.members.models import Membership

    factory = RequestFactory()
    out: dict = {"memberships": Membership.objects.count(), "runs": runs, "queries": {}}
    for words in SEARCHES:
        request = factory.get("/search/", {"q": words})
        request.user = actor
        timings: dict[str, list[float]] = {"search": [], "member list": []}
        groups = []
        for _ in range(runs + 1):  # the first round warms the caches and is not counted
            started = time.perf_counter()
            groups = search.search(request, words)
            elapsed_search = time.perf_counter() - started
            started = time.perf_counter()
            qs = MembershipFilter(
                {"q": words}, queryset=selectors.member_list(actor=actor), request=request
            ).qs
            selectors.member_page(qs)
            elapsed_list = time.perf_counter() - started
            timings["search"].append(elapsed_search)
            timings["member list"].append(elapsed_list)
        row = {k: statistics.median(v[1:]) * 1000 for k, v in timings.items()}
        row["ratio"] = row["search"] / row["member list"]
        row["groups"] = {g.label: len(g.hits) for g in groups}
        out["queries"][words] = row
        print(
            f"search {words!r:16}: {row['search']:.0f} ms, member list {row['member list']:.0f} ms "
            f"(× {row['ratio']:.2f}); {sum(row['groups'].values())} hits in {len(groups)} groups",
            flush=True,
        )
    return out


if __name__ == "__main__":
    sys.exit(main())
