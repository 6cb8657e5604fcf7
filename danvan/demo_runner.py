"""`make demo`: migrate, load the reference data and the demo province (once), then run the web server and
two procrastinate workers (the users' jobs and the pipeline; the long jobs) until Ctrl-C, which stops them all
with the embedded PostgreSQL."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PY, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--province", default="86")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "danvan.settings")
    started = time.monotonic()
    print("» Khởi động cơ sở dữ liệu, cập nhật lược đồ…", flush=True)
    manage("migrate", "--verbosity", "0")
    print("» Nạp đơn vị hành chính, loại tổ chức, vai trò…", flush=True)
    manage("setup_platform")
    print("» Tỉnh mẫu…", flush=True)
    manage("demo_province", "--province", args.province)
    print(f"» Sẵn sàng sau {time.monotonic() - started:.1f} giây.", flush=True)

    env = dict(os.environ)
    web = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "danvan.wsgi:application",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    # one worker for the users' jobs and the pipeline, one for the jobs of many minutes (retraining), so that an
    # import never waits behind a retrain (core.jobs.LONG_QUEUE)
    worker = subprocess.Popen(
        [
            PY,
            str(BASE_DIR / "manage.py"),
            "procrastinate",
            "worker",
            "--concurrency",
            "1",
            "--queues",
            "default,opinion",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    long_worker = subprocess.Popen(
        [
            PY,
            str(BASE_DIR / "manage.py"),
            "procrastinate",
            "worker",
            "--concurrency",
            "1",
            "--queues",
            "long",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    manage("demo_banner", "--url", f"http://{args.host}:{args.port}/")

    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\n» Đang dừng máy chủ web, tiến trình nền và cơ sở dữ liệu…", flush=True)
        for proc in (web, worker, long_worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (web, worker, long_worker):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not os.environ.get("DATABASE_URL"):
            from danvan import devdb

            devdb.stop()
        print("» Đã dừng.", flush=True)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            if any(proc.poll() is not None for proc in (web, worker, long_worker)):
                print("» Một tiến trình đã dừng bất thường.", file=sys.stderr, flush=True)
                stop()
                return 1
            time.sleep(0.5)
    finally:
        stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
