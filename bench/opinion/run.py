"""Benchmark of the opinion module (issue 7).

In its own database (``DANVAN_BENCH_DATABASE``, default ``danvan_bench_opinion``, on the embedded server or the
server of ``DATABASE_URL``), never the development one:

1. throughput: short posts stored through ``pipeline.store_items`` (ItemKey, partitions) and analysed by the
   pipeline (model labels, places, grouping, scores, rollups), end to end, with one and with two worker
   processes (items/s, wall clock, fresh items each time);
2. scale: ``--items`` rows (default 10,000,000) over 24 months generated with set-based SQL straight into the
   partitioned table (not the ORM), rollups rebuilt from them in one statement, then the dashboard's reads
   for a province and a month (from the rollups, as a scoped province officer) with, as the baseline in the
   same run, the same figures counted straight from the items;
3. issue grouping over ``--group-items`` items (default 1,000,000) already labelled, by two processes
   (one per half of the communes), from nothing.

Every time is a median of ``--runs`` runs on this shared 2-core machine. Prints the figures and writes
``bench/opinion/results.json`` and ``bench/opinion/RESULTS.md``.

    .venv/bin/python bench/opinion/run.py [--items 10000000] [--group-items 1000000] [--posts 4000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench" / "members"))


def setup(db_name: str) -> None:
    from run import setup_django  # bench/members/run.py: same database set-up

    setup_django(db_name)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def median_ms(fn, runs: int) -> dict:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "runs": runs}


# --- 0. the province -----------------------------------------------------------------------------------


def build_province() -> dict:
    from django.core.management import call_command

    from danvan.core import demo

    call_command("migrate", verbosity=0)
    call_command("setup_platform", verbosity=0)
    demo.EXTENSIONS.clear()  # only the structure and the accounts: the benchmark adds its own opinion
    result = demo.generate(province_code="86")
    return {"province": result.province.name, "communes": result.counts.get("communes")}


def _province():
    from danvan.structure.models import Unit, UnitLevel

    return Unit.objects.get(code="86", level=UnitLevel.PROVINCE)


def _actor():
    from danvan.accounts.models import User

    return User.objects.get(username="dvan.tinh")


# --- 1. throughput -------------------------------------------------------------------------------------

POSTS = [
    "Đường vào {v} xuống cấp, mưa xuống là ngập sâu, xe máy chết máy",
    "Bồi thường đất làm đường ở {v} quá thấp, người dân bức xúc",
    "Trại heo ở {v} xả nước thải ra kênh, bốc mùi hôi",
    "Trường học ở {v} thu thêm nhiều khoản ngoài học phí, phụ huynh bức xúc",
    "Cảm ơn xã đã làm lại cây cầu ở {v}, bà con đi lại thuận tiện",
    "Trộm chó liên tục ở {v}, đề nghị công an tăng cường tuần tra",
    "Giá lúa xuống thấp quá, nông dân {v} lỗ vốn vụ này",
    "Làm giấy tờ ở bộ phận một cửa phải đi lại nhiều lần, chậm trễ",
    "Tối nay đội tuyển đá bóng lúc mấy giờ vậy mọi người",
    "Trạm y tế {v} thiếu thuốc, người dân phải lên tuyến trên",
]


def _records(n: int, tag: str, communes) -> list[tuple]:
    import datetime as dt
    import random

    rng = random.Random(hash(tag) & 0xFFFF)
    now = dt.datetime.now(dt.UTC)
    out = []
    for i in range(n):
        commune = communes[i % len(communes)]
        text = rng.choice(POSTS).format(v=rng.choice(["ấp 1", "ấp 2", "khóm 3", commune.name]))
        out.append(
            (
                commune,
                {
                    "external_id": f"{tag}-{i}",
                    "kind": "comment",
                    "text": f"{text} ({i % 97})",
                    "published_at": now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 10)),
                    "likes": rng.randint(0, 50),
                    "author": f"user{rng.randint(1, 5000)}",
                },
            )
        )
    return out


def throughput_worker(tag: str, part: int, parts: int, n: int) -> dict:
    """One worker process: stores and analyses its share of the posts, batch by batch (500)."""
    from danvan.opinion import pipeline
    from danvan.opinion.models import Source, SourceKind
    from danvan.structure.models import Unit

    province = _province()
    communes = list(Unit.objects.filter(parent=province, level="commune").order_by("code"))
    mine = [c for i, c in enumerate(communes) if i % parts == part][:3]  # batches of 500 from 3 fan pages
    sources = {}
    for c in mine:
        sources[c.pk], _ = Source.objects.get_or_create(
            name=f"bench {c.code}", kind=SourceKind.API, unit=c, defaults={"unit_path": c.path}
        )
    records = _records(n, f"{tag}-{part}", mine)
    analyzer = pipeline.active_analyzer()
    pipeline.analyse_items([], analyzer=analyzer)  # load models before the clock starts
    from danvan.opinion.pipeline import _gazetteer, _load_units

    _gazetteer()
    _load_units()
    by_source: dict = {}
    for commune, rec in records:
        by_source.setdefault(commune.pk, []).append(rec)
    started = time.perf_counter()
    done = 0
    for commune_id, recs in by_source.items():
        for k in range(0, len(recs), 500):
            res = pipeline.store_items(sources[commune_id], recs[k : k + 500], analyse=False)
            pipeline.analyse_items(res.created, analyzer=analyzer)
            done += len(res.created)
    seconds = time.perf_counter() - started
    return {"items": done, "seconds": round(seconds, 2), "analyzer": str(getattr(analyzer, "version", ""))}


def bench_throughput(db_name: str, posts: int) -> dict:
    results = {}
    for workers in (1, 2):
        tag = f"tp{workers}-{int(time.time())}"
        per = posts // workers
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, __file__, "--db", db_name, "--worker", f"{tag}:{p}:{workers}:{per}"],
                stdout=subprocess.PIPE,
                text=True,
            )
            for p in range(workers)
        ]
        outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
        wall = time.perf_counter() - started
        items = sum(o["items"] for o in outs)
        busiest = max(o["seconds"] for o in outs)
        results[f"workers_{workers}"] = {
            "items": items,
            "seconds_processing": busiest,
            "items_per_s": round(items / busiest, 1),
            "wall_s_with_start": round(wall, 1),
            "analyzer": outs[0]["analyzer"],
        }
        log(f"throughput, {workers} worker(s): {items} items, {items / busiest:.1f} items/s")
    return results


# --- 2. ten million items ------------------------------------------------------------------------------

FIELDS = [
    "land", "environment", "health", "education", "social_policy", "labour", "economy", "infrastructure",
    "public_order", "administration", "officials", "culture_society", "disaster", "not_relevant",
]  # fmt: skip


def generate_items(total: int, months: int = 24) -> dict:
    """Set-based generation straight into the partitioned table, one month (partition) per statement."""
    from django.db import connection

    from danvan.opinion import partitions
    from danvan.opinion.models import Item, Source, SourceKind

    province = _province()
    have = (
        Item.objects.filter(source__name="bench 10M").count()
        if Source.objects.filter(name="bench 10M")
        else 0
    )
    if have >= total * 0.99:
        log(f"already {have:,} generated items")
        return {"items": have, "generated_now": False}
    source, _ = Source.objects.get_or_create(
        name="bench 10M", kind=SourceKind.API, unit=province, defaults={"unit_path": province.path}
    )
    today = date.today()
    first = date(today.year - 2 + (today.month == 12), today.month % 12 + 1, 1)
    month_list = partitions.months_between(first, today)[-months:]
    partitions.ensure_months(month_list)
    per_month = total // len(month_list)
    texts = [p.format(v="ấp 1") for p in POSTS]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(id ORDER BY code), array_agg(path ORDER BY code) FROM structure_unit "
            "WHERE parent_id = %s AND level = 'commune'",
            [province.pk],
        )
        ids, paths = cursor.fetchone()
        for month in month_list:
            nxt = partitions.next_month(month)
            t0 = time.perf_counter()
            cursor.execute(
                """
                INSERT INTO opinion_item (source_id, external_id, kind, title, text, url, author_hash,
                    parent_external_id, published_at, likes, shares, comments_count, reach, unit_id, unit_path,
                    commune_id, place_unit_ids, place_from_text, relevant, relevance_confidence, field,
                    field_confidence, field_scores, sentiment, sentiment_confidence, toxic, toxic_confidence,
                    model_version, uncertainty, duplicate_of_id, signature, analysed_at, corrected, created_at)
                SELECT %(source)s, 'g' || %(tag)s || '-' || g, 'comment', '', (%(texts)s::text[])[1 + g %% 10],
                    '', md5(((g * 7) %% 50000)::text), '', ts, (g %% 50), (g %% 7), 0, 0,
                    (%(ids)s::bigint[])[c], (%(paths)s::text[])[c], (%(ids)s::bigint[])[c], '{}', false,
                    f <> 'not_relevant', 0.9, f, 0.8, '{}',
                    (ARRAY['negative','neutral','positive'])[1 + (g * 31) %% 3], 0.8, (g %% 97 = 0), 0.9,
                    'bench', 0.2, NULL, '{}', ts, false, ts
                FROM (
                    SELECT g, 1 + (g * 2654435761) %% %(n)s AS c,
                           %(start)s::timestamptz + ((g * 40503) %% %(secs)s) * interval '1 second' AS ts,
                           (%(fields)s::text[])[1 + (g * 7919) %% %(nf)s] AS f
                    FROM generate_series(1::bigint, %(per)s::bigint) AS g
                ) s
                """,
                {
                    "source": source.pk,
                    "tag": month.strftime("%Y%m"),
                    "texts": texts,
                    "ids": ids,
                    "paths": paths,
                    "n": len(ids),
                    "start": month.isoformat() + " 00:00:00+00",
                    "secs": int((nxt - month).total_seconds()),
                    "fields": FIELDS,
                    "nf": len(FIELDS),
                    "per": per_month,
                },
            )
            log(f"  {month:%Y-%m}: {per_month:,} rows in {time.perf_counter() - t0:.1f} s")
    seconds = time.perf_counter() - started
    return {
        "items": per_month * len(month_list),
        "months": len(month_list),
        "generation_s": round(seconds, 1),
        "rows_per_s": round(per_month * len(month_list) / seconds),
        "generated_now": True,
    }


def rebuild_rollups() -> dict:
    from danvan.opinion import pipeline
    from danvan.opinion.models import DailyRollup

    started = time.perf_counter()
    rows = pipeline.rollups_rebuild()
    return {"rows": rows or DailyRollup.objects.count(), "seconds": round(time.perf_counter() - started, 1)}


def bench_dashboard(runs: int) -> dict:
    from django.db import connection

    from danvan.opinion import selectors

    actor = _actor()
    province = _province()
    today = date.today()
    start = date(today.year, today.month, 1) - timedelta(days=1)
    start = date(start.year, start.month, 1)  # the last full month
    end = date(today.year, today.month, 1) - timedelta(days=1)
    reads = {
        "totals": lambda: selectors.dashboard_totals(actor, start=start, end=end, unit_path=province.path),
        "series_by_field": lambda: selectors.series_by_field(
            actor, start=start, end=end, unit_path=province.path
        ),
        "series_by_sentiment": lambda: selectors.series_by_sentiment(
            actor, start=start, end=end, unit_path=province.path
        ),
        "commune_map": lambda: selectors.commune_figures(
            actor, start=start, end=end, unit_path=province.path
        ),
        "totals_by_field": lambda: selectors.totals_by_field(
            actor, start=start, end=end, unit_path=province.path
        ),
        "top_issues": lambda: selectors.top_issues(actor, unit_path=province.path),
        "open_alerts": lambda: list(selectors.open_alerts(actor, unit_path=province.path, limit=10)),
    }
    out = {"period": f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"}
    total = 0.0
    for name, fn in reads.items():
        out[name] = median_ms(fn, runs)
        total += out[name]["median_ms"]
        log(f"dashboard {name}: {out[name]['median_ms']} ms")
    out["all_reads_ms"] = round(total, 1)

    def straight():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (published_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, field, count(*), "
                "count(*) FILTER (WHERE sentiment = 'negative') FROM opinion_item "
                "WHERE relevant AND unit_path LIKE %s AND published_at >= %s AND published_at < %s GROUP BY 1, 2",
                [province.path + "%", start, end + timedelta(days=1)],
            )
            return cursor.fetchall()

    out["baseline_straight_count_by_day_field"] = median_ms(straight, max(3, runs // 2))
    log(f"baseline straight count: {out['baseline_straight_count_by_day_field']['median_ms']} ms")
    return out


# --- 3. grouping ---------------------------------------------------------------------------------------


def group_worker(part: int, parts: int, limit: int) -> dict:
    from danvan.opinion import pipeline
    from danvan.opinion.models import Item, OpinionSettings

    settings_row = OpinionSettings.get()
    province = _province()
    from danvan.structure.models import Unit

    communes = list(
        Unit.objects.filter(parent=province, level="commune").order_by("code").values_list("id", flat=True)
    )
    mine = [c for i, c in enumerate(communes) if i % parts == part]
    ids = list(
        Item.objects.filter(source__name="bench 10M", relevant=True, commune_id__in=mine, issue__isnull=True)
        .order_by("-published_at")
        .values_list("id", flat=True)[: limit // parts]
    )
    pipeline.keywords("khởi động")
    pipeline.signature("khởi động bộ đếm")
    started = time.perf_counter()
    created = 0
    from django.db import transaction

    touched: set[int] = set()
    for k in range(0, len(ids), 2000):
        with transaction.atomic():
            items = list(Item.objects.filter(pk__in=ids[k : k + 2000]))
            created += pipeline.group_items(items, settings_row)
            pipeline.save_items(items)
            touched.update(it.issue_id for it in items)
    grouped = time.perf_counter() - started
    # the figures of every issue once at the end (a pass over many batches rescoring each issue once)
    touched_list = sorted(touched)
    for k in range(0, len(touched_list), 200):
        with transaction.atomic():
            pipeline.rescore_issues(touched_list[k : k + 200])
    return {
        "items": len(ids),
        "issues": created,
        "seconds": round(time.perf_counter() - started, 1),
        "grouping_s": round(grouped, 1),
    }


def bench_grouping(db_name: str, limit: int) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:  # from nothing: a rerun regroups the same items
        cursor.execute("UPDATE opinion_item SET issue_id = NULL WHERE issue_id IS NOT NULL")
        cursor.execute("DELETE FROM opinion_issue")
    parts = 2
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--db", db_name, "--group-worker", f"{p}:{parts}:{limit}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in range(parts)
    ]
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - started
    items = sum(o["items"] for o in outs)
    busiest = max(o["seconds"] for o in outs)
    result = {
        "items": items,
        "issues": sum(o["issues"] for o in outs),
        "processes": parts,
        "seconds": busiest,
        "wall_s": round(wall, 1),
        "items_per_s": round(items / busiest, 1) if busiest else None,
        "grouping_s": max(o.get("grouping_s", 0) for o in outs),
    }
    log(f"grouping: {result}")
    return result


# --- report --------------------------------------------------------------------------------------------


def write_report(results: dict, path: Path) -> None:
    tp = results.get("throughput", {})
    scale = results.get("scale", {})
    dash = results.get("dashboard", {})
    grp = results.get("grouping", {})
    lines = [
        "# Opinion benchmark (issue 7)",
        "",
        f"Run on {results['date']}: {results['machine']}, PostgreSQL {results['postgres']} (embedded), shared "
        "with other agents' work. `bench/opinion/run.py`; medians of several runs.",
        "",
        "## Ingestion + analysis throughput (short posts, end to end)",
        "",
        "| workers | items | seconds | items/s | analyser |",
        "|---|---|---|---|---|",
    ]
    for key in ("workers_1", "workers_2"):
        r = tp.get(key)
        if r:
            lines.append(
                f"| {key[-1]} | {r['items']:,} | {r['seconds_processing']} | {r['items_per_s']} | {r['analyzer']} |"
            )
    lines += [
        "",
        f"## {scale.get('items', 0):,} items partitioned by month ({scale.get('months', '?')} monthly partitions)",
        "",
        f"- generated with set-based SQL: {scale.get('generation_s', 'n/a')} s "
        f"({scale.get('rows_per_s', 'n/a')} rows/s); table + indexes {results.get('size_mb', '?')} MB",
        f"- rollups rebuilt from the items in one statement: {results.get('rollups', {}).get('rows', '?')} rows "
        f"in {results.get('rollups', {}).get('seconds', '?')} s",
        "",
        f"Dashboard reads for province 86 and one month ({dash.get('period', '')}), scoped commission officer:",
        "",
        "| read | median ms | max ms |",
        "|---|---|---|",
    ]
    for key, value in dash.items():
        if isinstance(value, dict) and "median_ms" in value:
            lines.append(f"| {key} | {value['median_ms']} | {value['max_ms']} |")
    lines += [
        "",
        f"All dashboard reads together: {dash.get('all_reads_ms', '?')} ms (target ≤ 500 ms). The baseline row "
        "counts the same month straight from the partitioned items (partition pruning, no rollups).",
        "",
        "## Issue grouping",
        "",
        f"{grp.get('items', 0):,} labelled items grouped from nothing by {grp.get('processes', '?')} processes "
        f"(one per half of the communes): {grp.get('issues', '?'):,} issues in {grp.get('seconds', '?')} s "
        f"({grp.get('items_per_s', '?')} items/s; of which assigning items to issues {grp.get('grouping_s', '?')} s, "
        "the rest rescoring every issue once from its items).",
        "",
    ]
    if results.get("notes"):
        lines += ["## Notes", "", *[f"- {n}" for n in results["notes"]], ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=os.environ.get("DANVAN_BENCH_DATABASE", "danvan_bench_opinion"))
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--group-items", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip", default="", help="comma list of: throughput,scale,grouping")
    parser.add_argument("--worker")
    parser.add_argument("--group-worker")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    out_json = REPO / "bench" / "opinion" / "results.json"
    if args.report_only:
        write_report(
            json.loads(out_json.read_text(encoding="utf-8")), REPO / "bench" / "opinion" / "RESULTS.md"
        )
        return 0
    setup(args.db)
    if args.worker:
        tag, part, parts, n = args.worker.split(":")
        print(json.dumps(throughput_worker(tag, int(part), int(parts), int(n))))
        return 0
    if args.group_worker:
        part, parts, limit = (int(x) for x in args.group_worker.split(":"))
        print(json.dumps(group_worker(part, parts, limit)))
        return 0
    from django.db import connection

    skip = set(filter(None, args.skip.split(",")))
    results = json.loads(out_json.read_text(encoding="utf-8")) if out_json.exists() else {}
    results.update(
        date=date.today().isoformat(),
        machine=f"{os.cpu_count()} CPU {platform.machine()}, Python {platform.python_version()}",
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        results["postgres"] = cursor.fetchone()[0]
    results["province"] = build_province()
    log(f"province: {results['province']}")
    if "throughput" not in skip:
        results["throughput"] = bench_throughput(args.db, args.posts)
    if "scale" not in skip:
        results["scale"] = generate_items(args.items, args.months)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE opinion_item")
            cursor.execute(
                "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                "WHERE inhparent = 'opinion_item'::regclass"
            )
            results["size_mb"] = round(float(cursor.fetchone()[0] or 0) / 1e6)
        results["rollups"] = rebuild_rollups()
        log(f"rollups: {results['rollups']}")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE opinion_dailyrollup")
        results["dashboard"] = bench_dashboard(args.runs)
    if "grouping" not in skip:
        results["grouping"] = bench_grouping(args.db, args.group_items)
    out_json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    write_report(results, REPO / "bench" / "opinion" / "RESULTS.md")
    log(json.dumps(results, default=str)[:3000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
