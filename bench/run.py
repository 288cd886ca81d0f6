#!/usr/bin/env python3
"""`make bench`: every performance target of the portal, measured side by side with a bare
Django project outside the portal, in one run on this machine.

    .venv/bin/python bench/run.py [--only redirect,api,pages,notify] [--seconds 5] [--rounds 3]
                                  [--connections 32] [--partners 100000] [--quick]

Starts what it needs: a PostgreSQL database (DATABASE_URL's server; database `pc_bench`, or
BENCH_DATABASE, dropped and re-created), Redis (REDIS_URL, default redis://127.0.0.1:6379/5,
flushed), the bare baseline (bench/bare/) and the portal, both under the same gunicorn command line
(4 sync workers). Each benchmark module adds what it needs (a worker, beat, an SMTP sink, the
1,000,000-application database). Prints each figure and ratio with its target, writes the
table and the machine's description to bench/RESULTS.md, and exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

# Run as a script, bench/ would come first on the path and shadow the portal's apps.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench import harness  # noqa: E402

# name -> module of bench/ with rows(ctx) -> list[Row]
BENCHMARKS = {
    "redirect": "bench.redirect_bench",
    "api": "bench.api_bench",
    "pages": "bench.pages",
    "notify": "bench.notify_bench",
}
# BENCH_DATABASE in the environment names another database, so two runs can share a server.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE") or "pc_bench"


def recreate_database(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", server, "-qAtc", sql], check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS))
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="short runs: checks the harness")
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x")
    if not server.startswith("postgres"):
        sys.exit("bench/run.py needs PostgreSQL: set DATABASE_URL to a postgres:// URL")
    database_url = server.rsplit("/", 1)[0] + "/" + BENCH_DATABASE
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
    ctx = harness.Context(
        database_url=database_url,
        redis_url=redis_url,
        seconds=2 if args.quick else args.seconds,
        rounds=1 if args.quick else args.rounds,
        connections=args.connections,
        workers=args.workers,
        quick=args.quick,
        partners=args.partners,
        wrk_binary=harness.ensure_wrk(),
    )
    ctx.env = harness.portal_env(database_url, redis_url)
    print(f"Preparing {database_url} …", flush=True)
    recreate_database(database_url)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    ctx.manage("migrate", "--noinput", "-v0")
    ctx.manage("seed_catalog")

    rows: list[harness.Row] = []
    ctx.bare_port, ctx.portal_port = harness.free_port(), harness.free_port()
    with (
        harness.gunicorn("bench.bare.wsgi", harness.bare_env(), ctx.bare_port, workers=ctx.workers),
        harness.gunicorn(
            "partner_center.wsgi", ctx.env, ctx.portal_port, workers=ctx.workers,
            ready_path="/health/",
        ),
    ):  # fmt: skip
        for name in chosen:
            print(f"\n== {name} ==", flush=True)
            module = importlib.import_module(BENCHMARKS[name])
            found = module.rows(ctx)
            for row in found:
                print(
                    f"{row.name}: {row.figure}"
                    + (f" vs bare {row.baseline} = {row.ratio:.2f}" if row.ratio else "")
                    + f"  target {row.target}  {'ok' if row.ok else 'MISSED'}"
                    + (f"  ({row.detail})" if row.detail else ""),
                    flush=True,
                )
            rows.extend(found)

    print()
    print(harness.table(rows))
    described = harness.machine(ctx)
    if not args.quick:
        everything = args.only == ",".join(BENCHMARKS)
        command = "bench/run.py" + ("" if everything else f" --only {args.only}")
        harness.write_results(Path(args.results), rows, described, command)
        print(f"\nWritten to {args.results}")
    missed = [row.name for row in rows if not row.ok]
    print("\nALL TARGETS MET" if not missed else f"\nMISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
