"""Benchmark of the members registry at a real province's size (``make bench`` runs it).

In its own database (``DANVAN_BENCH_DATABASE``, default ``danvan_bench_members``, on the embedded server or
the server of ``DATABASE_URL``), never the development one:

1. builds the demo province 86 (124 communes) and fills it with the generator: 2,000,000 memberships of
   about 1,500,000 people with five years of movements (once; kept for later runs);
2. times the figures at a date by commune × organisation type for the province and for one commune (from
   the daily counts), the breakdowns read from the memberships (people, sex, age band, ethnicity), and the
   straight count from the memberships that the daily counts replace;
3. times the member list's first page (the real view, through the test client) with two filters and a name
   search;
4. writes a 1,000,000-row CSV and a 1,000,000-row .xlsx file of new members and imports each in a separate
   process (check, then commit, rolled back so that the province stays the same), reporting rows/s and the
   process's peak memory.

Every time is the median of several runs on this shared 2-core machine. ``--small`` does the same at
about 1/40 of the size in a few minutes. Prints the figures and writes ``bench/members/RESULTS.md``
(``--out``) and ``results.json``.

    .venv/bin/python bench/members/run.py [--small] [--runs 7] [--import-rows 1000000] [--skip-import]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "members" / "out"
sys.path.insert(0, str(REPO))


def _database_url(name: str) -> str:
    """The URL of database ``name`` on the server of DATABASE_URL, or on the embedded server."""
    from urllib.parse import urlsplit, urlunsplit

    base = os.environ.get("DATABASE_URL")
    if not base:
        from danvan import devdb

        base = devdb.database_url()
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def setup_django(db_name: str) -> None:
    url = _database_url(db_name)
    _create_database(url, db_name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "danvan.settings")
    os.environ.setdefault("DANVAN_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()


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
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        for ext in ("unaccent", "pg_trgm", "btree_gist", "ltree"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")


def median_ms(fn, runs: int) -> dict[str, float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "runs": runs,
    }


# --- 1. the province ---------------------------------------------------------------------------------------


def build_province(memberships: int, log) -> dict:
    from django.core.management import call_command

    from danvan.core import demo
    from danvan.members import generator
    from danvan.members.models import Membership, Person

    call_command("migrate", verbosity=0)
    call_command("setup_platform", verbosity=0)
    # The benchmark adds its own, bigger, population; the other modules' demo content plays no part in
    # these figures (and would tie the benchmark to their state): the province's units and branches only.
    saved = list(demo.EXTENSIONS)
    demo.EXTENSIONS[:] = []
    try:
        result = demo.generate(province_code="86")
    finally:
        demo.EXTENSIONS[:] = saved
    province = result.province
    have = Membership.objects.filter(unit_path__startswith=province.path).count()
    info = {
        "province": province.name,
        "communes": result.counts.get("communes"),
        "branches": result.counts.get("branches"),
    }
    if have >= memberships * 0.95:
        log(f"province already filled: {have:,} memberships")
        info.update(
            memberships=have,
            persons=Person.objects.filter(unit_path__startswith=province.path).count(),
            generated_now=False,
        )
        return info
    if have:
        raise SystemExit(f"the bench database holds {have:,} memberships, not {memberships:,}: drop it first")
    log(f"generating {memberships:,} memberships…")
    started = time.monotonic()
    out = generator.generate(
        province=province,
        seed=7,
        memberships=memberships,
        progress=lambda done, total: log(f"  {done:,} / {total:,}"),
    )
    info.update(
        memberships=out["memberships"],
        persons=out["persons"],
        movements=out["movements"],
        generation_s=round(time.monotonic() - started, 1),
        generated_now=True,
    )
    return info


def table_sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT relname, n_live_tup, pg_total_relation_size(relid) FROM pg_stat_user_tables
               WHERE relname IN ('members_person', 'members_membership', 'members_movement', 'members_dailycount')"""
        )
        return {name: {"rows": rows, "mb": round(size / 1e6)} for name, rows, size in cursor.fetchall()}


# --- 2. figures --------------------------------------------------------------------------------------------


def bench_figures(runs: int, log) -> dict:
    from danvan.accounts.models import User
    from danvan.members import selectors
    from danvan.structure.models import Unit, UnitLevel

    actor = User.objects.get(username="dvan.tinh")  # commission officer, the whole province
    province = Unit.objects.get(code="86", level=UnitLevel.PROVINCE)
    commune = Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("-population").first()
    today = date.today()
    on, past = today, date(today.year - 2, 6, 30)
    results = {}
    for label, unit in (("province", province), ("commune", commune)):
        for when_label, when in (("today", on), ("two_years_ago", past)):
            key = f"figures_{label}_{when_label}"
            results[key] = median_ms(
                lambda unit=unit, when=when: selectors.figures(
                    actor=actor, unit=unit, on=when, start=date(when.year, 1, 1), end=when
                ),
                runs,
            )
            log(f"{key}: {results[key]['median_ms']} ms")
        key = f"breakdown_{label}"
        results[key] = median_ms(
            lambda unit=unit: selectors.breakdown(actor=actor, unit=unit, on=on), max(3, runs // 2)
        )
        log(f"{key}: {results[key]['median_ms']} ms")
        key = f"direct_count_{label}"
        results[key] = median_ms(
            lambda unit=unit: selectors.active_count_direct(actor=actor, unit=unit, on=on), max(3, runs // 2)
        )
        log(f"{key}: {results[key]['median_ms']} ms")
    f = selectors.figures(actor=actor, unit=province, on=on, start=date(on.year, 1, 1), end=on)
    direct = selectors.active_count_direct(actor=actor, unit=province, on=on)
    results["check"] = {
        "province_total_from_counts": f.totals.total,
        "province_total_direct": direct,
        "equal": f.totals.total == direct,
        "rows": len(f.rows),
        "commune": commune.name,
    }
    return results


# --- 3. the member list --------------------------------------------------------------------------------------


def bench_list(runs: int, log) -> dict:
    from django.test import Client

    from danvan.accounts.models import User
    from danvan.structure.models import OrgType, Unit, UnitLevel

    user = User.objects.get(username="dvan.tinh")
    client = Client()
    client.force_login(user)
    session = client.session
    session["danvan_2fa_required"] = False
    session.save()
    province = Unit.objects.get(code="86", level=UnitLevel.PROVINCE)
    commune = Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("-population").first()
    women = OrgType.objects.get(code="women")
    cases = {
        "commune_women_name": f"/members/?unit={commune.pk}&org_type={women.pk}&q=nguyen+thi",
        "province_active_women_name": f"/members/?status=active&org_type={women.pk}&q=tran+thi+lan",
        "province_active_age_common_name": "/members/?status=active&age=31_45&q=nguyen",
        "province_no_filter": "/members/",
    }
    results = {}
    for key, url in cases.items():

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        results[key] = {"url": url, **median_ms(get, runs)}
        log(f"list {key}: {results[key]['median_ms']} ms")
    return results


# --- 4. imports --------------------------------------------------------------------------------------------


def write_files(rows: int, log) -> dict[str, Path]:
    """A CSV and an .xlsx file of ``rows`` new members of the province's branches (1% with errors)."""
    from django.utils import translation

    from danvan.members import imports
    from danvan.members.generator import FAMILY, GIVEN_F, GIVEN_M, MIDDLE_F, MIDDLE_M
    from danvan.structure.models import Branch, Unit

    OUT.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = OUT / f"members-{rows}.csv", OUT / f"members-{rows}.xlsx"
    if csv_path.exists() and xlsx_path.exists():
        return {"csv": csv_path, "xlsx": xlsx_path}
    # The column names in English (msgids): every version of the reader accepts them, the baseline included.
    with translation.override("en"):
        header = [str(c.label) for c in imports.COLUMNS]
    branches = list(
        Branch.objects.filter(
            unit_path__startswith="86/", organisation__type__code__in=["women", "farmers", "youth"]
        ).values_list("pk", "unit_id", "organisation__type__code")
    )
    villages = dict(Unit.objects.filter(path__startswith="86/", level="village").values_list("pk", "code"))
    rng = random.Random(11)
    today = date.today()
    family = [f for f, _w in FAMILY]

    def make():
        for i in range(rows):
            bid, unit_id, code = rng.choice(branches)
            sex = "F" if code == "women" or rng.random() < 0.5 else "M"
            age = rng.randint(17, 29) if code == "youth" else rng.randint(19, 80)
            birth = date(today.year - age - 1, rng.randint(1, 12), rng.randint(1, 28))
            joined = today - timedelta(days=rng.randint(1, 300))
            name = " ".join(
                [
                    rng.choice(family),
                    rng.choice(MIDDLE_F if sex == "F" else MIDDLE_M) or "Văn",
                    rng.choice(GIVEN_F if sex == "F" else GIVEN_M),
                ]
            )
            digit = (birth.year // 100 - 19) * 2 + (1 if sex == "F" else 0)
            # former provinces 83, 84, 86 (today's Vĩnh Long); unique through the running number
            cid = f"08{'346'[i // 1_000_000 % 3]}{digit}{birth.year % 100:02d}{i % 1_000_000:06d}"
            bad = i % 100 == 99
            yield [
                name,
                birth.strftime("%d/%m/%Y") if not bad else "31/02/1990",
                "Nữ" if sex == "F" else "Nam",
                "Kinh",
                "",
                cid,
                f"09{rng.randint(0, 99_999_999):08d}",
                villages.get(unit_id, "99999"),
                "",
                "Nông dân",
                "",
                "",
                bid,
                "",
                joined.strftime("%d/%m/%Y"),
                "",
                "",
            ]

    started = time.monotonic()
    with open(csv_path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(make())
    log(
        f"wrote {csv_path.name} ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - started:.0f}s"
    )
    started = time.monotonic()
    from openpyxl import Workbook

    rng.seed(11)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Hội viên")
    ws.append(header)
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            row[12] = int(row[12])
            ws.append(row)
    wb.save(xlsx_path)
    log(
        f"wrote {xlsx_path.name} ({xlsx_path.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - started:.0f}s"
    )
    return {"csv": csv_path, "xlsx": xlsx_path}


def peak_rss_mb() -> int:
    """This process's peak resident size. ``ru_maxrss`` would not do: Linux carries the peak of the parent
    process over the fork and the exec (a bench that had just generated the province reported its 2.5 GB for
    every import); ``VmHWM`` is the peak of this process's own memory map, which the exec starts afresh."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def import_one(path: Path) -> dict:
    """(In a child process.) Check then commit one file, rolled back; timings and peak memory."""
    from django.db import transaction

    from danvan.accounts.models import User
    from danvan.members import imports
    from danvan.members.models import ImportBatch

    actor = User.objects.get(username="root_bench")
    batch = ImportBatch.objects.create(filename=path.name, created_by=actor)
    started = time.monotonic()
    with open(path, "rb") as fh:
        imports.check(batch, fh, actor=actor)
    checked = time.monotonic()
    batch.refresh_from_db()

    class Rollback(Exception):
        pass

    committed_rows = 0
    try:
        with transaction.atomic():
            result = imports.commit(batch, actor=actor)
            committed_rows = result["memberships"]
            commit_done = time.monotonic()
            timings = ImportBatch.objects.get(pk=batch.pk).timings  # read before the rollback
            raise Rollback
    except Rollback:
        pass
    imports.discard_rows(batch)
    batch.delete()
    return {
        "rows": batch.total_rows,
        "valid": batch.valid_rows,
        "rejected": batch.error_rows,
        "committed": committed_rows,
        "check_s": round(checked - started, 1),
        "commit_s": round(commit_done - checked, 1),
        "total_s": round(commit_done - started, 1),
        "check_rows_per_s": round(batch.total_rows / (checked - started)),
        "total_rows_per_s": round(batch.total_rows / (commit_done - started)),
        "timings": timings,
        "peak_rss_mb": peak_rss_mb(),
        # the largest of the parsing processes the check forks (their pages are shared with this one's
        # until written, so the sum over-counts)
        "peak_rss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def _import_run(script: Path, cwd: Path, path: Path, db_name: str, log) -> dict:
    proc = subprocess.run(
        [sys.executable, str(script), "--import-one", str(path), "--db", db_name],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    if proc.returncode:
        log(proc.stderr[-3000:])
        raise SystemExit(f"import of {path.name} failed ({script})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _summary(runs_out: list[dict], path: Path) -> dict:
    return {
        "runs": runs_out,
        "median_check_rows_per_s": round(statistics.median(r["check_rows_per_s"] for r in runs_out)),
        "median_total_rows_per_s": round(statistics.median(r["total_rows_per_s"] for r in runs_out)),
        "median_check_s": statistics.median(r["check_s"] for r in runs_out),
        "median_commit_s": round(statistics.median(r["commit_s"] for r in runs_out), 1),
        "median_phases": {
            key: round(statistics.median(r["timings"].get(key, 0) for r in runs_out), 1)
            for key in (
                "read_parse_copy",
                "set_checks",
                "commit_recheck",
                "commit_people",
                "commit_insert",
                "commit_counts",
                "commit_duplicates",
                "commit_discard",
            )
        },
        "max_peak_rss_mb": max(r["peak_rss_mb"] for r in runs_out),
        "max_peak_rss_children_mb": max(r.get("peak_rss_children_mb", 0) for r in runs_out),
        "rows": runs_out[0]["rows"],
        "file_mb": round(path.stat().st_size / 1e6),
    }


def bench_imports(
    files: dict[str, Path], runs: dict[str, int], db_name: str, log, baseline: Path | None = None
) -> tuple[dict, dict]:
    """Each file imported ``runs[fmt]`` times in a child process; with ``baseline`` (a checkout of an older
    version of the code), that version's import alternates with this one's, run for run, so that both see
    the same machine."""
    from danvan.accounts.models import User

    User.objects.get_or_create(username="root_bench", defaults={"is_superuser": True, "is_staff": True})
    results, base_results = {}, {}
    for fmt, path in files.items():
        runs_out, base_out = [], []
        for i in range(runs[fmt]):
            if baseline is not None:
                out = _import_run(baseline / "bench" / "members" / "run.py", baseline, path, db_name, log)
                base_out.append(out)
                log(
                    f"baseline {fmt} run {i + 1}: check {out['check_s']}s, commit {out['commit_s']}s, "
                    f"total {out['total_rows_per_s']:,} rows/s, peak {out['peak_rss_mb']} MB"
                )
            out = _import_run(Path(__file__).resolve(), REPO, path, db_name, log)
            runs_out.append(out)
            log(
                f"import {fmt} run {i + 1}: check {out['check_s']}s ({out['check_rows_per_s']:,}/s), commit "
                f"{out['commit_s']}s, total {out['total_rows_per_s']:,} rows/s, peak {out['peak_rss_mb']} MB"
            )
        results[fmt] = _summary(runs_out, path)
        if base_out:
            base_results[fmt] = _summary(base_out, path)
    return results, base_results


# --- report ------------------------------------------------------------------------------------------------


def num(value) -> str:
    """1234567 → "1.234.567" (Vietnamese grouping)."""
    return f"{value:,.0f}".replace(",", ".")


def write_report(results: dict, path: Path) -> None:
    def ms(key, section="figures"):
        item = results.get(section, {}).get(key)
        return f"{num(item['median_ms'])} ms" if item else "—"

    p = results["province"]
    lines = [
        "# Members registry — measured figures",
        "",
        f"Measured on {results['date']} on {results['machine']} (embedded PostgreSQL {results['postgres']}), with "
        f"`bench/members/run.py{' --small' if results['small'] else ''}`; every time is the median of several runs"
        + (
            f" (the figures and the list as measured on {results['figures_date']}; on {results['date']} the "
            "imports only, `--imports-only`)."
            if results.get("figures_date") and results["figures_date"] != results["date"]
            else "."
        ),
        "",
        f"Province: {p['province']}, {p.get('communes')} communes, {num(p.get('branches') or 0)} branches; "
        f"{num(p['memberships'])} memberships of {num(p['persons'])} people with five years of movements.",
        "",
        "| what | target | measured |",
        "|---|---|---|",
        f"| figures at a date, province by commune × organisation type (today) | ≤ 500 ms | {ms('figures_province_today')} |",
        f"| … the same two years ago | ≤ 500 ms | {ms('figures_province_two_years_ago')} |",
        f"| figures at a date, one commune by village × organisation type | ≤ 50 ms | {ms('figures_commune_today')} |",
        f"| … the same two years ago | ≤ 50 ms | {ms('figures_commune_two_years_ago')} |",
        f"| breakdowns (people, sex, age band, ethnicity), province — read from the memberships, loaded after the page | — | {ms('breakdown_province')} |",
        f"| breakdowns, one commune | — | {ms('breakdown_commune')} |",
        f"| active members counted straight from the memberships (what the daily counts replace), province | — | {ms('direct_count_province')} |",
    ]
    for item in results.get("list", {}).values():
        lines.append(f"| member list, first page: `{item['url']}` | ≤ 150 ms | {num(item['median_ms'])} ms |")
    for fmt, target in (("csv", "≥ 20.000 rows/s"), ("xlsx", "≥ 5.000 rows/s")):
        item = results.get("imports", {}).get(fmt)
        if not item:
            continue
        phases = item.get("median_phases", {})
        lines.append(
            f"| {fmt.upper()} import of {num(item['rows'])} rows ({item['file_mb']} MB): check — read, parse, "
            f"COPY to staging ({phases.get('read_parse_copy', '?')} s), set-based checks ({phases.get('set_checks', '?')} s) "
            f"| {target} | {num(item['median_check_rows_per_s'])} rows/s |"
        )
        lines.append(
            f"| … check + commit (one transaction: people, memberships, movements, daily counts, duplicates; "
            f"commit {item['median_commit_s']} s) | {target} | {num(item['median_total_rows_per_s'])} rows/s |"
        )
        lines.append(f"| … peak memory of the importing process | < 600 MB | {item['max_peak_rss_mb']} MB |")
        base = results.get("imports_baseline", {}).get(fmt)
        if base:
            lines.append(
                f"| … baseline (the previous commit's code, alternating run for run): check + commit "
                f"(commit {base['median_commit_s']} s) | — | {num(base['median_total_rows_per_s'])} rows/s "
                f"(now × {item['median_total_rows_per_s'] / base['median_total_rows_per_s']:.2f}) |"
            )
    lines += [
        "",
        "Notes:",
        "",
        "- The machine is shared and its load varies from day to day (load average when the imports began: "
        f"{results.get('load_at_imports', '?')}; 2 cores). Medians are reported; `results.json` has every run "
        "(the best CSV check was "
        f"{num(max((r['check_rows_per_s'] for r in results.get('imports', {}).get('csv', {}).get('runs', [])), default=0))} rows/s).",
        "- The figures are read from the daily counts (ADR 0005): their time depends on the number of branches, "
        "not of members. The straight count from the memberships is shown for comparison, and must be equal "
        f"(checked: {results['figures']['check']['equal']}, {num(results['figures']['check']['province_total_direct'])} "
        "active memberships today).",
        "- Import = check (stream the file, parse and validate every row, COPY into the staging table, "
        "set-based checks against the file and the registry; the preview is then ready) + commit (one "
        "transaction, after the user confirms). The commit's time is index maintenance and foreign-key checks "
        "on tables of 1.5–2 million rows (the embedded server sized by `danvan/devdb.py`: shared buffers an eighth "
        "of the memory, at most 2 GB); the "
        "phases of each run are in `results.json` (`timings`).",
        *(
            [
                "- One more CSV run on a quieter machine, phase by phase: check "
                f"{one['check_s']} s ({num(one['check_rows_per_s'])} rows/s: read, parse, COPY "
                f"{one['timings']['read_parse_copy']} s, set-based checks {one['timings']['set_checks']} s); commit "
                f"{one['commit_s']} s (checks again {one['timings']['commit_recheck']} s, people "
                f"{one['timings']['commit_people']} s, memberships and movements "
                f"{round(one['timings']['commit_insert'] - one['timings']['commit_people'], 1)} s, daily counts "
                f"{one['timings']['commit_counts']} s, duplicates and the deferred foreign-key checks "
                f"{one['timings']['commit_duplicates']} s); {num(one['total_rows_per_s'])} rows/s in all."
            ]
            if (one := results.get("import_csv_single_run_quiet"))
            else []
        ),
        "- Peak memory is the importing process's maximum resident size (Django and the application included): "
        "files are streamed, never loaded whole.",
        "",
        "Raw results: `bench/members/results.json`.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--memberships", type=int)
    parser.add_argument("--import-rows", type=int)
    parser.add_argument("--import-runs", type=int, default=3)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument(
        "--imports-only", action="store_true", help="only the imports (the province must exist)"
    )
    parser.add_argument(
        "--baseline", help="a checkout of an older version: its imports alternate with this one's (ratio)"
    )
    parser.add_argument("--db", default=None)
    parser.add_argument("--import-one")
    parser.add_argument("--out", default=str(REPO / "bench" / "members" / "RESULTS.md"))
    parser.add_argument("--report-only", action="store_true", help="rewrite RESULTS.md from results.json")
    args = parser.parse_args()
    if args.report_only:
        results = json.loads((REPO / "bench" / "members" / "results.json").read_text(encoding="utf-8"))
        write_report(results, Path(args.out))
        return 0
    db_name = (
        args.db
        or os.environ.get("DANVAN_BENCH_DATABASE")
        or ("danvan_bench_members_small" if args.small else "danvan_bench_members")
    )
    setup_django(db_name)
    if args.import_one:
        print(json.dumps(import_one(Path(args.import_one))))
        return 0

    def log(message: str) -> None:
        print(message, flush=True)

    memberships = args.memberships or (50_000 if args.small else 2_000_000)
    import_rows = args.import_rows or (25_000 if args.small else 1_000_000)
    from django.db import connection

    results: dict = {
        "date": date.today().isoformat(),
        "small": args.small,
        "machine": f"{os.cpu_count()} CPU {platform.machine()}, Python {platform.python_version()}",
    }
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        results["postgres"] = cursor.fetchone()[0]
    results["province"] = build_province(memberships, log)
    results["tables"] = table_sizes()
    if args.imports_only:
        previous = Path(args.out).parent / ("results-small.json" if args.small else "results.json")
        if previous.exists():  # keep the figures and the list of the last full run
            old = json.loads(previous.read_text(encoding="utf-8"))
            results.update({k: old[k] for k in ("figures", "list") if k in old})
            results["figures_date"] = old.get("figures_date") or old.get("date")
    else:
        results["figures"] = bench_figures(args.runs, log)
        results["list"] = bench_list(args.runs, log)
    if not args.skip_import:
        files = write_files(import_rows, log)
        results["load_at_imports"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        results["imports"], baseline = bench_imports(
            files,
            {"csv": args.import_runs, "xlsx": max(1, args.import_runs - 1)},
            db_name,
            log,
            Path(args.baseline).resolve() if args.baseline else None,
        )
        if baseline:
            results["imports_baseline"] = baseline
    out = Path(args.out)
    (out.parent / ("results-small.json" if args.small else "results.json")).write_text(
        json.dumps(results, indent=2, default=str), encoding="utf-8"
    )
    if not args.small or args.out != parser.get_default("out"):
        write_report(results, out)
    else:
        write_report(results, out.with_name("RESULTS-small.md"))
    log(json.dumps({k: v for k, v in results.items() if k in ("figures", "list")}, default=str)[:2000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
