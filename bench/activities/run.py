"""Benchmark of the grassroots activities' quota compliance (``make bench`` runs it).

In its own database (``DANVAN_BENCH_DATABASE``, default ``danvan_bench_activities``, on the embedded server or
the server of ``DATABASE_URL``), never the development one:

1. builds the demo province 86 (124 communes, about 4,800 branches; no members, no demo activities), about
   5,000 cadres of the province and commune organisations and the province's quota rules, then 1,000,000
   branch meetings and 3,000,000 cadre attendances over one year, written with COPY in chunks (the tally
   triggers aggregate each chunk; row history is off for the bulk load, as in the demo); kept for later runs;
2. checks that the monthly tallies equal a count from the rows for the measured half-year;
3. times, for a province-level leader (a scoped account, not a superuser): the compliance selector for the
   province and a half-year, the compliance page, the laggards page and the xlsx export through the test
   client, the dashboard, and one commune's compliance; and, for comparison, the same per-cadre count read
   straight from the attendances (what the tallies replace).

Every time is the median of several runs on this shared 2-core machine. Prints the figures and writes
``bench/activities/RESULTS.md`` and ``results.json``.

    .venv/bin/python bench/activities/run.py [--meetings 1000000] [--attendances 3000000] [--runs 7] [--fresh]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

YEAR = 2025
PERIOD = f"{YEAR}-H1"
CHUNK = 250_000


def _database_url(name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    base = os.environ.get("DATABASE_URL")
    if not base:
        from danvan import devdb

        base = devdb.database_url()
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def _create_database(url: str, name: str) -> None:
    from urllib.parse import parse_qs, urlsplit

    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    host = cfg["HOST"] or (parse_qs(urlsplit(url).query).get("host") or [None])[0]
    params = {
        k: v
        for k, v in {
            "user": cfg["USER"],
            "password": cfg["PASSWORD"],
            "host": host,
            "port": cfg["PORT"] or None,
        }.items()
        if v
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        for ext in ("unaccent", "pg_trgm", "btree_gist", "ltree"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")


def setup_django(db_name: str) -> None:
    url = _database_url(db_name)
    _create_database(url, db_name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "danvan.settings")
    os.environ.setdefault("DANVAN_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()


def timed(fn, runs: int) -> dict[str, float]:
    started = time.perf_counter()
    fn()  # the first run (cold caches of this process)
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "first_ms": round(first, 1),
        "runs": runs,
    }


# --- 1. the province ------------------------------------------------------------------------------


def build(meetings: int, attendances: int, fresh: bool, log) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from danvan.activities import bulk
    from danvan.activities import demo as activities_demo
    from danvan.activities.models import Attendance, Cadre, Meeting
    from danvan.core import demo
    from danvan.structure.models import Branch

    call_command("migrate", verbosity=0)
    call_command("setup_platform", verbosity=0)
    demo.EXTENSIONS[:] = []  # the structure only: the benchmark brings its own activities
    t0 = time.perf_counter()
    result = demo.generate(province_code="86")
    province = result.province
    log(f"structure: {result.counts} ({time.perf_counter() - t0:.0f} s)")
    if fresh:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE activities_attendance, activities_meetingissue, activities_meeting, "
                "activities_quotareminder, activities_participant, activities_trainingcourse, "
                "activities_cadremonthtally, activities_branchmonthtally, activities_quotarule, activities_cadre "
                "RESTART IDENTITY CASCADE"
            )
    have_m = Meeting.objects.count()
    have_a = Attendance.objects.count()
    info = {"province": province.name, **result.counts}
    if have_m >= meetings and have_a >= attendances:
        log(f"already filled: {have_m:,} meetings, {have_a:,} attendances")
        info.update(cadres=Cadre.objects.count(), meetings=have_m, attendances=have_a)
        return info

    rng = random.Random(2026)
    # Cadres and quota rules: the demo's (a few hundred meetings only, wiped below), at the bench's date.
    t0 = time.perf_counter()
    with transaction.atomic():
        activities_demo.generate(province=province, seed=1, months=1, today=date(YEAR, 1, 31))
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM activities_attendance")
            cursor.execute("DELETE FROM activities_meetingissue")
            cursor.execute("DELETE FROM activities_meeting")
            cursor.execute("DELETE FROM activities_branchmonthtally")
            cursor.execute("DELETE FROM activities_cadremonthtally")
            cursor.execute("UPDATE activities_quotarule SET valid_from = %s", [date(YEAR, 1, 1)])
    cadres = list(
        Cadre.objects.values_list("id", "unit_path", "org_path", "organisation_id", "level", "role")
    )
    log(f"cadres: {len(cadres):,} ({time.perf_counter() - t0:.0f} s)")
    pool_by_commune: dict[str, list[tuple]] = {}
    province_cadres = []
    for c in cadres:
        parts = c[1].strip("/").split("/")
        if len(parts) == 1:
            province_cadres.append(c)
        else:
            pool_by_commune.setdefault("/".join(parts[:2]) + "/", []).append(c)
    branches = list(
        Branch.objects.filter(unit_path__startswith=province.path, is_active=True).values_list(
            "id", "organisation_id", "unit_id", "unit_path", "path"
        )
    )
    per_meeting = attendances / meetings
    now = datetime.now(UTC)
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    meeting_cols = [
        "id",
        "branch_id",
        "organisation_id",
        "unit_id",
        "unit_path",
        "org_path",
        "held_on",
        "kind",
        "topics",
        "members_present",
        "members_total",
        "notes",
        "search_name",
        "cadre_count",
        "created_at",
        "updated_at",
    ]
    attendance_cols = [
        "meeting_id",
        "cadre_id",
        "held_on",
        "branch_id",
        "meeting_organisation_id",
        "org_path",
        "unit_path",
        "organisation_id",
        "level",
        "role",
        "cadre_unit_path",
        "cadre_org_path",
        "contribution",
        "undertakings",
        "recorded_at",
    ]
    made_m = made_a = 0
    t0 = time.perf_counter()
    while made_m < meetings:
        n = min(CHUNK, meetings - made_m)
        with transaction.atomic():
            bulk.insert_history_off("activities.Meeting", "activities.Attendance")
            ids = bulk.next_ids(Meeting._meta.db_table, n)
            m_rows, a_rows = [], []
            for pk in ids:
                branch_id, org_id, unit_id, unit_path, path = rng.choice(branches)
                day = rng.choice(days)
                commune = "/".join(unit_path.split("/")[:2]) + "/"
                pool = pool_by_commune.get(commune, [])
                want = int(per_meeting) + (1 if rng.random() < per_meeting - int(per_meeting) else 0)
                chosen = rng.sample(pool, k=min(want, len(pool))) if pool else []
                if len(chosen) < want and province_cadres:
                    chosen.append(rng.choice(province_cadres))
                for c in chosen:
                    a_rows.append(
                        (
                            pk,
                            c[0],
                            day,
                            branch_id,
                            org_id,
                            path,
                            unit_path,
                            c[3],
                            c[4],
                            c[5],
                            c[1],
                            c[2],
                            "",
                            "",
                            now,
                        )
                    )
                m_rows.append(
                    (
                        pk,
                        branch_id,
                        org_id,
                        unit_id,
                        unit_path,
                        path,
                        day,
                        "regular",
                        "",
                        40,
                        60,
                        "",
                        "",
                        len(chosen),
                        now,
                        now,
                    )
                )
            bulk.copy_rows(Meeting._meta.db_table, meeting_cols, m_rows)
            bulk.copy_rows(Attendance._meta.db_table, attendance_cols, a_rows)
        made_m += n
        made_a += len(a_rows)
        log(f"  {made_m:,} meetings, {made_a:,} attendances ({time.perf_counter() - t0:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE activities_meeting")
        cursor.execute("VACUUM ANALYZE activities_attendance")
        cursor.execute("VACUUM ANALYZE activities_branchmonthtally")
        cursor.execute("VACUUM ANALYZE activities_cadremonthtally")
        cursor.execute("VACUUM ANALYZE activities_cadre")
    info.update(
        cadres=len(cadres),
        meetings=made_m,
        attendances=made_a,
        load_seconds=round(time.perf_counter() - t0, 1),
    )
    return info


# --- 2. checks and 3. timings ---------------------------------------------------------------------


def measure(runs: int, log) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import translation

    from danvan.accounts.models import User
    from danvan.activities import selectors
    from danvan.activities.models import Attendance, Meeting
    from danvan.activities.periods import Period
    from danvan.structure.models import Unit
    from tests.factories import make_user

    translation.activate("vi")
    province = Unit.objects.get(code="86", level="province")
    leader = User.objects.filter(username="bench.leader").first() or make_user(
        "bench.leader", "leader", province
    )
    period = Period.parse(PERIOD)
    as_of = date(YEAR + 1, 1, 15)

    f = selectors.compliance(actor=leader, unit=province, period=period, as_of=as_of)
    raw_meetings = Meeting.objects.filter(
        unit_path__startswith=province.path, held_on__gte=period.start, held_on__lte=period.end
    ).count()
    raw_attendances = Attendance.objects.filter(
        unit_path__startswith=province.path, held_on__gte=period.start, held_on__lte=period.end
    ).count()
    assert (f.place.meetings, f.place.attendances) == (raw_meetings, raw_attendances), (
        "tallies differ from rows"
    )
    log(
        f"{period.label}: {f.place.meetings:,} meetings, {f.place.attendances:,} attendances, "
        f"{f.cadres.cadres:,} cadres ({f.cadres.behind:,} behind), {len(f.units)} unit rows, "
        f"{len(f.organisations)} organisations"
    )

    def raw_per_cadre():
        return dict(
            Attendance.objects.filter(
                held_on__gte=period.start, held_on__lte=period.end, cadre_unit_path__startswith=province.path
            )
            .values_list("cadre_id")
            .annotate(n=Count("id"))
            .values_list("cadre_id", "n")
        )

    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(leader)
    commune = Unit.objects.filter(parent=province).order_by("code").first()

    def page(url):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            return response

        return get

    results = {
        "figures": {
            "meetings": f.place.meetings,
            "attendances": f.place.attendances,
            "cadres": f.cadres.cadres,
            "behind": f.cadres.behind,
            "branches": f.place.branches,
        },
        "selector_province_half_year": timed(
            lambda: selectors.compliance(actor=leader, unit=province, period=period, as_of=as_of), runs
        ),
        "selector_commune_half_year": timed(
            lambda: selectors.compliance(actor=leader, unit=commune, period=period, as_of=as_of), runs
        ),
        "page_compliance": timed(page(f"/activities/compliance/?period={PERIOD}&unit={province.pk}"), runs),
        "page_laggards": timed(page(f"/activities/laggards/?period={PERIOD}&unit={province.pk}"), runs),
        "export_laggards_xlsx": timed(
            page(f"/activities/laggards/?period={PERIOD}&unit={province.pk}&export=xlsx"), max(3, runs // 2)
        ),
        "api_compliance": timed(
            page(f"/api/activities/compliance/?period={PERIOD}&unit={province.pk}"), runs
        ),
        "page_dashboard": timed(page("/activities/overview/"), runs),
        "page_meeting_list": timed(page("/activities/meetings/"), max(3, runs // 2)),
        "raw_count_per_cadre_from_attendances": timed(raw_per_cadre, max(3, runs // 2)),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('activities_attendance')), "
            "pg_size_pretty(pg_total_relation_size('activities_meeting')), "
            "(SELECT count(*) FROM activities_branchmonthtally), (SELECT count(*) FROM activities_cadremonthtally)"
        )
        att_size, meet_size, bt, ct = cursor.fetchone()
    results["storage"] = {
        "attendance_table": att_size,
        "meeting_table": meet_size,
        "branch_tally_rows": bt,
        "cadre_tally_rows": ct,
    }
    return results


def write_results(info: dict, results: dict, path: Path) -> None:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            models = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
        cpu = f"{len(models)} × {models[0]}" if models else cpu
    except OSError:
        pass
    r = results

    def row(label, key):
        t = r[key]
        return f"| {label} | {t['median_ms']:.0f} ms | {t['min_ms']:.0f}–{t['max_ms']:.0f} ms | {t['first_ms']:.0f} ms |"

    lines = [
        "# Benchmark: quota compliance of a province",
        "",
        f"Measured on {date.today():%d/%m/%Y} with `bench/activities/run.py` on {cpu}, Python {platform.python_version()}, "
        "embedded PostgreSQL 18 (default settings: shared_buffers 128 MB, work_mem 4 MB), in the database "
        "`danvan_bench_activities`. Times are the median of several warm runs (range, and the first run of the process).",
        "",
        "## Data",
        "",
        f"Province {info['province']}: {info.get('communes', '?')} communes, {info.get('villages', '?')} villages, "
        f"{info.get('branches', '?'):,} branches, {info['cadres']:,} cadres; **{info['meetings']:,} meetings and "
        f"{info['attendances']:,} cadre attendances** over {YEAR}."
        + (
            f" Loaded with COPY in {info['load_seconds']:.0f} s (tally triggers on, row history off)."
            if "load_seconds" in info
            else ""
        ),
        "",
        f"Half-year measured: {PERIOD} — {r['figures']['meetings']:,} meetings, {r['figures']['attendances']:,} attendances, "
        f"{r['figures']['cadres']:,} cadres ({r['figures']['behind']:,} behind their quota), {r['figures']['branches']:,} branches. "
        "The tallies were checked against a count of the rows before timing.",
        "",
        f"Storage: attendances {r['storage']['attendance_table']}, meetings {r['storage']['meeting_table']}; "
        f"{r['storage']['branch_tally_rows']:,} branch-month and {r['storage']['cadre_tally_rows']:,} cadre-month tally rows.",
        "",
        "## Figures (a province leader, scoped — not a superuser)",
        "",
        "| what | median | range | first run |",
        "|---|---|---|---|",
        row("**compliance of the province for a half-year (selector)**", "selector_province_half_year"),
        row("compliance page of the province (HTTP, rendered)", "page_compliance"),
        row("laggards page of the province (HTTP, rendered)", "page_laggards"),
        row("laggards export, xlsx (4 sheets)", "export_laggards_xlsx"),
        row("compliance API of the province", "api_compliance"),
        row("activities dashboard (current half-year, last meetings)", "page_dashboard"),
        row("compliance of one commune (selector)", "selector_commune_half_year"),
        row("meeting list, first page with its count", "page_meeting_list"),
        row(
            "for comparison: attendances per cadre counted from the rows",
            "raw_count_per_cadre_from_attendances",
        ),
        "",
        "The target is ≤ 500 ms for the province's compliance view for a half-year. The compliance reads the "
        "monthly tallies (one row per branch and month, one per cadre and month) that statement-level triggers "
        "keep, so its cost follows the number of branches and cadres, not of meetings (ADR 0007).",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--meetings", type=int, default=1_000_000)
    parser.add_argument("--attendances", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="drop the activities data and load it again")
    parser.add_argument(
        "--database", default=os.environ.get("DANVAN_BENCH_DATABASE", "danvan_bench_activities")
    )
    parser.add_argument("--out", default=str(REPO / "bench" / "activities" / "RESULTS.md"))
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, flush=True)

    setup_django(args.database)
    info = build(args.meetings, args.attendances, args.fresh, log)
    results = measure(args.runs, log)
    for key, value in results.items():
        log(f"{key}: {value}")
    out = Path(args.out)
    write_results(info, results, out)
    (out.parent / "results.json").write_text(
        json.dumps({"data": info, "results": results}, indent=2, default=str)
    )
    log(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
