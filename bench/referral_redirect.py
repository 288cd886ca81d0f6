#!/usr/bin/env python3
"""Benchmark the public referral redirect against a bare Django redirect (SPEC §5.6).

One run: gunicorn (4 sync workers) on PostgreSQL + Redis serves both r/<token> and, with
BENCH_ENDPOINTS on, r-bare/ (the same middleware, no lookup, no counting). wrk hits them in
alternating rounds; the script prints requests/s, p50 and p99 for each and the ratio, then
flushes the Redis counts and checks the stored clicks equal the referral GETs sent (the last
seconds of each run send uncounted HEADs, so no counted request is left in flight).

    .venv/bin/python bench/referral_redirect.py [--rounds 3] [--seconds 10] [--connections 32]

Needs wrk (installed with apt-get when run as root), PostgreSQL and Redis; DATABASE_URL and
REDIS_URL default to the local servers (database pc_bench, dropped and re-created each run;
Redis db 5). Exits 1 when a target is missed.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SCRIPT = Path(__file__).resolve().parent / "clicks.lua"
TARGET_RATIO, TARGET_P99_MS = 0.7, 20.0
BENCH_DATABASE = "pc_bench"
# Seconds at the end of each wrk run that send uncounted HEADs (see clicks.lua).
TAIL_SECONDS = 2


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed; run as root (apt-get install wrk) or install it yourself.")
    print("Installing wrk with apt-get …", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def environment(args) -> dict:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DATABASE}")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
    env.update(
        DEBUG="0",
        # Stable across runs: app secrets in the database are encrypted with a derived key.
        SECRET_KEY=hashlib.sha256(f"bench:{ROOT}".encode()).hexdigest(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        BENCH_ENDPOINTS="1",
        REFERRAL_CLICK_COUNTER="redis",
        DJANGO_SETTINGS_MODULE="partner_center.settings",
    )
    return env


def prepare(env: dict) -> str:
    """Create the database if needed, migrate, seed the demo; return the local link's path."""
    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    if name == BENCH_DATABASE:  # ours: start from a clean database every run
        subprocess.run(
            ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name],
            env=env,
            capture_output=True,
            check=False,
        )
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", name],
        env=env,
        capture_output=True,
        check=False,
    )
    run: dict[str, Any] = {"env": env, "cwd": ROOT, "check": True}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], **run)
    out = subprocess.run(
        [PYTHON, "manage.py", "seed_demo", "--json"], capture_output=True, text=True, **run
    ).stdout
    url = json.loads(out)["shop_registration"]["local_url"]
    return "/" + url.split("/", 3)[3]


def start_server(env: dict, port: int) -> subprocess.Popen:
    cmd = [
        str(Path(PYTHON).parent / "gunicorn"),
        "partner_center.wsgi",
        "--workers", "4",
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/r-bare/")
            if connection.getresponse().status == 302:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not start")


def wrk(binary: str, url: str, *, seconds: int, connections: int) -> dict:
    tail = TAIL_SECONDS if seconds > 2 * TAIL_SECONDS else 0
    command = [binary, "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(SCRIPT), url]
    out = subprocess.run(
        [*command, "--", str(seconds), str(tail)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def stored_clicks(path: str) -> int:
    """Flush Redis to the database (as Celery beat would), then read the link's count."""
    import django

    django.setup()
    from referrals import tracking
    from referrals.models import ReferralLink

    tracking.flush_clicks()
    return ReferralLink.objects.get(token=path.rsplit("/", 1)[1]).clicks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    binary = ensure_wrk()
    env = environment(args)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    path = prepare(env)
    server = start_server(env, args.port)
    base = f"http://127.0.0.1:{args.port}"
    targets = {"referral": base + path, "bare": base + "/r-bare/"}
    try:
        for url in targets.values():  # warm up: connections, caches, imports
            wrk(binary, url, seconds=2, connections=args.connections)
        time.sleep(1)
        before = stored_clicks(path)
        totals: dict[str, list[dict]] = {name: [] for name in targets}
        for round_no in range(1, args.rounds + 1):
            for name, url in targets.items():
                result = wrk(binary, url, seconds=args.seconds, connections=args.connections)
                totals[name].append(result)
                rps = result["answered"] / (result["duration_us"] / 1e6)
                print(
                    f"round {round_no} {name:<8} {rps:8.0f} req/s  "
                    f"p50 {result['p50_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:6.2f} ms",
                    flush=True,
                )
        time.sleep(1)  # requests written as wrk stopped are still being answered
        after = stored_clicks(path)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    summary = {}
    for name, results in totals.items():
        answered = sum(r["answered"] for r in results)
        seconds = sum(r["duration_us"] for r in results) / 1e6
        summary[name] = {
            "rps": answered / seconds,
            "p50": max(r["p50_us"] for r in results) / 1000,
            "p99": max(r["p99_us"] for r in results) / 1000,
            "sent": sum(r["gets"] for r in results),
            "answered": answered,
            "errors": sum(r["status_errors"] + r["socket_errors"] for r in results),
        }
    ratio = summary["referral"]["rps"] / summary["bare"]["rps"]
    counted = after - before
    print()
    print(f"{'':10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'sent':>10}{'errors':>8}")
    for name, s in summary.items():
        print(
            f"{name:10}{s['rps']:10.0f}{s['p50']:10.2f}{s['p99']:10.2f}"
            f"{s['sent']:10d}{s['errors']:8d}"
        )
    print(f"ratio referral/bare: {ratio:.2f} (target >= {TARGET_RATIO})")
    print(f"referral p99: {summary['referral']['p99']:.2f} ms (target <= {TARGET_P99_MS} ms)")
    sent = summary["referral"]["sent"]
    print(f"clicks stored: {counted}, referral GETs sent (and answered): {sent}")
    ok = (
        ratio >= TARGET_RATIO
        and summary["referral"]["p99"] <= TARGET_P99_MS
        and counted == sent
        and summary["referral"]["errors"] == 0
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
