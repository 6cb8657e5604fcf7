"""Benchmark of the cases module (``make bench`` runs it). Not a test: it prints and records figures.

1. Loads ``--cases`` citizens' cases (default 1,000,000) into province 86 of a separate database
   (``bench_danvan_cases`` on the embedded PostgreSQL, or ``--database-url``), in every state, received over
   five years, the open ones with deadlines spread around today.
2. Times, as a province-level leader, the overdue list (the page and its selector: first page + count) and
   the dashboard counts (the page and ``case_figures`` for the year), median and p95 of ``--runs`` runs,
   server-side in-process (Django test client, no network).
3. Starts gunicorn on loopback and drives the public submission endpoint with ``wrk`` (Debian package) from
   another process: ``--connections`` concurrent clients for ``--seconds``, each request from a different
   forwarded address (as many citizens), with the CSRF cookie and token; reports throughput, latency
   percentiles and errors, and checks that every accepted request created exactly one case.

Writes ``bench/cases/RESULTS.md`` and ``bench/cases/results.json``.

    .venv/bin/python bench/cases/run.py [--cases 1000000] [--runs 15] [--seconds 30] [--connections 16]
                                        [--workers 2] [--threads 4] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))
BENCH_DB = "bench_danvan_cases"


def bench_database_url(explicit: str | None) -> str:
    if explicit:
        return explicit
    os.environ.pop("DATABASE_URL", None)
    from danvan import devdb

    url = devdb.database_url()
    parsed = urllib.parse.urlsplit(url)
    import psycopg

    admin = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}" TEMPLATE template1')
    return urllib.parse.urlunsplit(parsed._replace(path=f"/{BENCH_DB}"))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "danvan.settings")
    import django

    django.setup()


def prepare_structure():
    """Units, roles; a People's Committee in every commune of province 86 and the province's citizen
    reception board; a province leader and a reception officer."""
    from django.core.management import call_command

    from danvan.accounts.models import Role, RoleAssignment, User
    from danvan.structure.models import Organisation, OrgType, Unit, UnitLevel
    from danvan.structure.services import next_ids

    call_command("migrate", verbosity=0)
    call_command("setup_platform", verbosity=0)
    province = Unit.objects.get(code="86", level=UnitLevel.PROVINCE)
    communes = list(Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code"))
    pc = OrgType.objects.get(code="peoples_committee")
    reception = OrgType.objects.get(code="citizen_reception")
    have = set(Organisation.objects.filter(type=pc, unit__in=communes).values_list("unit_id", flat=True))
    missing = [c for c in communes if c.pk not in have]
    ids = iter(next_ids(Organisation, len(missing) + 1))
    rows = [
        Organisation(
            pk=(pk := next(ids)),
            type=pc,
            name=f"Ủy ban nhân dân {c.name}",
            unit=c,
            unit_path=c.path,
            path=f"o{pk}/",
            depth=1,
            search_name=c.name.lower(),
        )
        for c in missing
    ]
    if not Organisation.objects.filter(type=reception, unit=province).exists():
        pk = next(ids)
        rows.append(
            Organisation(
                pk=pk,
                type=reception,
                name="Ban Tiếp công dân tỉnh",
                unit=province,
                unit_path=province.path,
                path=f"o{pk}/",
                depth=1,
                search_name="ban tiep cong dan",
            )
        )
    Organisation.objects.bulk_create(rows)
    users = {}
    for username, role in (("bench.lanhdao", "leader"), ("bench.tcd", "reception_officer")):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"home_unit": province, "home_unit_path": province.path}
        )
        RoleAssignment.objects.get_or_create(
            user=user,
            role=Role.objects.get(code=role),
            unit=province,
            defaults={"unit_path": province.path, "valid_from": "2025-07-01"},
        )
        users[role] = user
    return province, communes, users


TITLES = [
    ("Đường liên ấp xuống cấp, đề nghị sửa chữa", "infrastructure"),
    ("Khiếu nại mức bồi thường khi thu hồi đất", "land"),
    ("Phản ánh trại chăn nuôi gây ô nhiễm", "environment"),
    ("Đề nghị xét hộ cận nghèo", "social_policy"),
    ("Tố cáo cán bộ nhận tiền khi làm hồ sơ", "officials"),
    ("Chậm giải quyết thủ tục hộ tịch", "administration"),
    ("Mất điện kéo dài không báo trước", "infrastructure"),
    ("Kiến nghị bố trí thêm bác sĩ tại trạm y tế", "health"),
    ("Góp ý dự thảo đề án sắp xếp ấp, khóm", "policy_law"),
    ("Công ty nợ lương công nhân", "labour"),
]


def load_cases(n: int, province, communes, users) -> float:
    """Insert cases in bulk (SQL, triggers off) until the province has ``n``; returns the seconds taken."""
    from django.db import connection

    from danvan.cases import reference
    from danvan.cases.models import Case, ConcernField
    from danvan.core.text import fold
    from danvan.structure.models import Organisation

    reference.seed_all()
    have = Case.objects.filter(unit_path__startswith=province.path).count()
    if have >= n:
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE cases_case")
        return 0.0
    fields = dict(ConcernField.objects.values_list("code", "pk"))
    bodies = dict(
        Organisation.objects.filter(type__code="peoples_committee", unit__in=communes).values_list(
            "unit_id", "pk"
        )
    )
    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no row-history triggers for the bulk load
        cur.execute("DROP TABLE IF EXISTS bench_commune")
        cur.execute(
            "CREATE TEMP TABLE bench_commune (idx int, unit_id bigint, path text, org_id bigint, org_path text)"
        )
        org_paths = dict(Organisation.objects.filter(pk__in=bodies.values()).values_list("pk", "path"))
        cur.executemany(
            "INSERT INTO bench_commune VALUES (%s, %s, %s, %s, %s)",
            [(i, c.pk, c.path, bodies[c.pk], org_paths[bodies[c.pk]]) for i, c in enumerate(communes)],
        )
        cur.execute("DROP TABLE IF EXISTS bench_title")
        cur.execute("CREATE TEMP TABLE bench_title (idx int, title text, folded text, field_id bigint)")
        cur.executemany(
            "INSERT INTO bench_title VALUES (%s, %s, %s, %s)",
            [(i, t, fold(t), fields[f]) for i, (t, f) in enumerate(TITLES)],
        )
        handler = users["reception_officer"].pk
        batch = 200_000
        done = have
        while done < n:
            size = min(batch, n - done)
            cur.execute(
                f"""
                WITH s AS (
                  SELECT nextval('cases_case_id_seq') AS id, g, random() AS r1, random() AS r2, random() AS r3,
                         random() AS r4
                    FROM generate_series(1, %s) AS g
                ), t AS (
                  SELECT s.*,
                         CASE WHEN r1 < .015 THEN 'received' WHEN r1 < .025 THEN 'accepted'
                              WHEN r1 < .04 THEN 'assigned' WHEN r1 < .075 THEN 'in_progress'
                              WHEN r1 < .08 THEN 'concluded' WHEN r1 < .2 THEN 'answered'
                              WHEN r1 < .93 THEN 'closed' WHEN r1 < .98 THEN 'not_accepted'
                              ELSE 'transferred' END AS status,
                         CASE WHEN r2 < .35 THEN 'report' WHEN r2 < .65 THEN 'recommendation'
                              WHEN r2 < .85 THEN 'complaint' WHEN r2 < .9 THEN 'denunciation'
                              ELSE 'comment' END AS kind
                    FROM s
                ), d AS (
                  SELECT t.*,
                         CASE WHEN status IN ('received') THEN CURRENT_DATE - (r3 * 12)::int
                              WHEN status IN ('accepted', 'assigned', 'in_progress', 'concluded')
                                THEN CURRENT_DATE - (r3 * 45)::int
                              ELSE CURRENT_DATE - 10 - (r3 * 1815)::int END AS recv
                    FROM t
                ), e AS (
                  SELECT d.*, CASE WHEN status NOT IN ('received', 'not_accepted', 'transferred')
                                   THEN recv + 1 + (r4 * 7)::int END AS acc
                    FROM d
                ), f AS (
                  SELECT e.*, acc + 30 AS res_due,
                         CASE WHEN status IN ('concluded', 'answered', 'closed')
                              THEN LEAST(CURRENT_DATE, acc + 3 + (r4 * 36)::int) END AS concl
                    FROM e
                )
                INSERT INTO cases_case (
                  id, reference, tracking_code, kind, instance, channel, status, title, content, search_text,
                  field_id, unit_id, concerned_path, commune_id, handling_org_id, org_path, unit_path,
                  people_count, is_collective, urgency, complexity, is_remote, citizen_name, citizen_phone,
                  citizen_email, citizen_address, received_on, accepted_on, concluded_on, answered_on, closed_on,
                  acceptance_due, resolution_due, answer_due, due_on, extension_count, deadline_basis, handler_id,
                  assigned_at, refusal_reason, refusal_note, conclusion, answer, answer_public,
                  transferred_to_name, transferred_from_name, created_at, updated_at)
                SELECT f.id, extract(year FROM recv)::int || '-' || lpad(f.id::text, 7, '0'),
                       upper(substr(md5(f.id::text), 1, 5) || '-' || substr(md5(f.id::text), 6, 5)),
                       kind, CASE WHEN kind = 'complaint' THEN 'first' ELSE '' END, 'walk_in', status,
                       bt.title, bt.title, lower(f.id::text) || ' ' || bt.folded, bt.field_id,
                       bc.unit_id, bc.path, bc.unit_id, bc.org_id, bc.org_path, bc.path,
                       CASE WHEN r4 < .05 THEN 12 ELSE 1 END, r4 < .05, 'normal', 'normal', false,
                       CASE WHEN kind = 'denunciation' THEN '' ELSE 'Công dân' END, '', '', '',
                       recv, acc, concl,
                       CASE WHEN status IN ('answered', 'closed') THEN concl END,
                       CASE WHEN status IN ('closed', 'not_accepted', 'transferred') THEN LEAST(CURRENT_DATE, COALESCE(concl, recv) + 5) END,
                       recv + 10, res_due, CASE WHEN concl IS NOT NULL THEN concl + 3 END,
                       CASE WHEN status = 'received' THEN recv + 10
                            WHEN status IN ('accepted', 'assigned', 'in_progress') THEN res_due
                            WHEN status = 'concluded' THEN concl + 3 END,
                       0, '{{}}'::jsonb, CASE WHEN status IN ('assigned', 'in_progress', 'concluded', 'answered', 'closed')
                                              THEN {handler} END,
                       NULL, '', '', '', '', true, '', '', now(), now()
                  FROM f
                  JOIN bench_commune bc ON bc.idx = f.g %% %s
                  JOIN bench_title bt ON bt.idx = (f.id %% %s)
                """,
                [size, len(communes), len(TITLES)],
            )
            done += size
            print(f"  {done:,} cases", flush=True)
        cur.execute("SET session_replication_role = origin")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE cases_case")
    return time.monotonic() - started


def timed(fn, runs: int) -> dict:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, int(round(0.95 * len(samples))) - 1)], 1),
        "max_ms": round(samples[-1], 1),
        "runs": runs,
    }


def measure_reads(users, runs: int) -> dict:
    from django.test import Client
    from django.utils import timezone

    from danvan.cases import selectors
    from danvan.cases.models import Case

    leader = users["leader"]
    today = timezone.localdate()
    start, end = selectors.period_range("12m", today.year)
    client = Client()
    client.force_login(leader)

    def overdue_selector():
        qs = selectors.overdue_cases(actor=leader, on=today)
        list(qs[:50])
        qs.count()

    def page(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return fetch

    results = {
        "overdue_selector": timed(overdue_selector, runs),
        "overdue_page": timed(page("/cases/overdue/"), runs),
        "dashboard_counts": timed(
            lambda: (
                selectors.home_counts(actor=leader),
                selectors.case_figures(
                    actor=leader, start=start, end=end, on=today, breakdowns=("kind", "month")
                ),
            ),
            runs,
        ),
        "figures_selector_year": timed(
            lambda: selectors.case_figures(actor=leader, start=start, end=end, on=today), runs
        ),
        "dashboard_page": timed(page("/cases/overview/"), runs),
        "figures_page_year": timed(page("/cases/figures/"), runs),
        "case_list_page": timed(page("/cases/list/"), runs),
    }
    open_cases = Case.objects.visible_to(leader).filter(
        status__in=["received", "accepted", "assigned", "in_progress", "concluded"]
    )
    results["counts"] = {
        "cases_in_province": Case.objects.visible_to(leader).count(),
        "open": open_cases.count(),
        "overdue": open_cases.filter(due_on__lt=today).count(),
        "received_this_year": Case.objects.visible_to(leader).filter(received_on__gte=start).count(),
    }
    return results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_test(
    url: str, province, communes, *, seconds: int, connections: int, workers: int, threads: int
) -> dict:
    from danvan.cases.models import Case

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian package)")
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="danvan.settings",
        DANVAN_ALLOWED_HOSTS="127.0.0.1,localhost",
        DANVAN_LOG_LEVEL="WARNING",
    )
    env.pop("DANVAN_DEBUG", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "danvan.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/cases/public/", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start:\n" + server.stderr.read().decode()[-3000:])
        token = "benchcsrf0123456789abcdefghijklm"[:32]
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "kind": "report",
                "province": province.pk,
                "commune": communes[0].pk,
                "title": "Đèn đường hỏng trên tuyến đường ấp",
                "content": "Đèn chiếu sáng trên tuyến đường ấp bị hỏng hai tuần nay, đề nghị sửa chữa.",
                "name": "Người dân",
                "consent": "on",
                "website": "",
            }
        )
        script = Path(tempfile.mkdtemp()) / "submit.lua"
        script.write_text(
            f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken={token}"
local body = "{body}"
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
end
function request()
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
                                                  math.random(1, 254))
  return wrk.format(nil, nil, nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, e.status,
    e.connect + e.read + e.write + e.timeout))
end
""",
            encoding="utf-8",
        )
        before = Case.objects.count()
        out = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                f"{base}/cases/public/submit/",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        time.sleep(1)
        created = Case.objects.count() - before
        m = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out)
        requests, duration_us, p50, p95, p99, pmax, non2xx, socket_errors = map(int, m.groups())
        return {
            "connections": connections,
            "seconds": seconds,
            "gunicorn": f"{workers} workers × {threads} threads",
            "requests": requests,
            "throughput_rps": round(requests / (duration_us / 1e6), 1),
            "latency_ms": {
                "p50": round(p50 / 1000, 1),
                "p95": round(p95 / 1000, 1),
                "p99": round(p99 / 1000, 1),
                "max": round(pmax / 1000, 1),
            },
            "non_2xx_3xx": non2xx,
            "socket_errors": socket_errors,
            "cases_created": created,
            "wrk_output": out.strip().splitlines()[:12],
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def write_results(results: dict) -> None:
    (HERE / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    r, load, m = results["reads"], results.get("load"), results["machine"]
    lines = [
        "# Cases module — measured figures",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, shared with other work (load average "
        f"{', '.join(str(x) for x in m['load_average_at_start'])} when the run started); Python {m['python']}; "
        f"PostgreSQL 18 (embedded, Unix socket). Run {results['when']}. Produced by `bench/cases/run.py` (see its "
        "docstring for the method).",
        "",
        f"Data: {r['counts']['cases_in_province']:,} cases in province 86 ({r['counts']['open']:,} open, "
        f"{r['counts']['overdue']:,} overdue, {r['counts']['received_this_year']:,} received this year), received "
        "over five years; the bulk SQL load of 1,000,000 takes "
        f"{results['load_seconds']:.0f} s and the indexes it needs are those of the migrations.",
        "",
        "## Reads of a province-level leader (server side, in-process; median / p95 / max of "
        f"{r['overdue_page']['runs']} runs)",
        "",
        "| what | median | p95 | max | target |",
        "|---|---:|---:|---:|---|",
    ]
    labels = {
        "overdue_selector": ("overdue list: selector (first page of 50 + count)", "≤ 300 ms"),
        "overdue_page": ("overdue list: whole page (HTML)", "≤ 300 ms"),
        "dashboard_counts": (
            "dashboard counts: open / overdue / awaiting / mine now, and the year's received, accepted, resolved "
            "on time and late, collective, by kind and month, satisfaction (`home_counts` + `case_figures`)",
            "≤ 300 ms",
        ),
        "figures_selector_year": (
            "all the year's figures: `case_figures` by kind, field, commune and month (one GROUPING SETS pass)",
            "",
        ),
        "dashboard_page": (
            "dashboard page (counts, chart data, lists of overdue / due soon / mine)",
            "≤ 300 ms",
        ),
        "figures_page_year": ("figures page for the year (all breakdowns, HTML)", ""),
        "case_list_page": ("case list, first page", ""),
    }
    for key, (label, target) in labels.items():
        x = r[key]
        lines.append(f"| {label} | {x['median_ms']} ms | {x['p95_ms']} ms | {x['max_ms']} ms | {target} |")
    if load:
        lat = load["latency_ms"]
        lines += [
            "",
            f"## Public submission endpoint under load (wrk from another process, loopback, {load['connections']} "
            f"connections, {load['seconds']} s, gunicorn {load['gunicorn']})",
            "",
            "| requests | throughput | p50 | p95 | p99 | max | non-2xx/3xx | socket errors | cases created |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {load['requests']:,} | {load['throughput_rps']} req/s | {lat['p50']} ms | {lat['p95']} ms | "
            f"{lat['p99']} ms | {lat['max']} ms | {load['non_2xx_3xx']} | {load['socket_errors']} | "
            f"{load['cases_created']:,} |",
            "",
            "Each request is a complete submission (CSRF check, validation, rate-limit counters, the case, its "
            "timeline event, the session holding the receipt) answered with the redirect to the receipt; each "
            "comes from a different forwarded address, as from many citizens, so the per-address rate limits "
            'do not refuse them. The web server, the database and wrk share the machine\'s cores. "cases created" '
            "exceeds the responses wrk counted by the requests still in flight when it stopped (at most one per "
            "connection).",
        ]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--quick", action="store_true", help="100,000 cases, 5 runs, 10 s of load")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--reload", action="store_true", help="empty the cases tables and load them again")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.runs, args.seconds = 100_000, 5, 10
    url = bench_database_url(args.database_url)
    setup_django(url)
    print("» structure", flush=True)
    province, communes, users = prepare_structure()
    if args.reload:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE cases_case, cases_caseevent, cases_casehistory, cases_casedocument, "
                "cases_denounceridentity, cases_rating, cases_notification, cases_ratecounter CASCADE"
            )
    print(f"» loading up to {args.cases:,} cases", flush=True)
    started = machine()  # the load average before this run adds its own
    load_seconds = load_cases(args.cases, province, communes, users)
    print(f"  loaded in {load_seconds:.0f} s", flush=True)
    previous = HERE / "results.json"
    if not load_seconds and previous.exists():  # already loaded by an earlier run: keep its load time
        load_seconds = json.loads(previous.read_text(encoding="utf-8")).get("load_seconds", 0.0)
    print("» reads", flush=True)
    reads = measure_reads(users, args.runs)
    print(json.dumps(reads, indent=1), flush=True)
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "machine": started,
        "load_seconds": load_seconds,
        "reads": reads,
    }
    if not args.no_load:
        print("» load test of the public submission endpoint", flush=True)
        results["load"] = load_test(
            url,
            province,
            communes,
            seconds=args.seconds,
            connections=args.connections,
            workers=args.workers,
            threads=args.threads,
        )
        print(json.dumps(results["load"], indent=1, ensure_ascii=False), flush=True)
    write_results(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
