#!/usr/bin/env python3
"""Partner pages and the reviewer queues on a big database, over HTTP, against the bare view.

For bench/run.py: `rows(ctx)` prepares its own database (DATABASE_URL's server, database
`pc_bench_pages` or $BENCH_PAGES_DATABASE, migrated; `manage.py bench_data` runs when it
does not hold `ctx.partners` bench partners: 10 applications each, about 80 s per 100,000
on a 2-core machine), serves the portal on it with the same gunicorn command line as the
bare project, and asks for each page N times, one client, sequential requests, in
interleaved rounds with the bare template view of bench/bare/ (`ctx.bare("/page/")`).
p50/p95 per page; partner pages must stay within 2 x the bare view's p95, every reviewer
queue within 100 ms p95 and 12 SQL queries.

The SQL queries of each page are counted in a separate process on the same database
(Django's test client and CaptureQueriesContext), which also opens the partner's and the
reviewer's sessions whose cookies the HTTP client sends.

Alone (starts the bare project itself):

    .venv/bin/python bench/pages.py [--partners 100000] [--requests 100] [--explain]

--explain prints EXPLAIN ANALYZE of every query the pages run instead of timing them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, bench/ would come first on the path and shadow the portal's apps.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench import harness  # noqa: E402

PYTHON = sys.executable
BENCH_DATABASE = "pc_bench_pages"
PARTNER_RATIO, QUEUE_P95_MS, QUEUE_QUERIES, SEARCH_P95_MS = 2.0, 100.0, 12, 100.0
REQUESTS, WARMUP = 100, 10
QUEUE = "/admin/onboarding/application/"
COMPLIANCE = "/admin/compliance/compliancereview/"


def pages(company: str) -> list[tuple[str, str, str]]:
    """(name, who, path): "partner" pages, "queue" views of the reviewer, the "search"."""
    search = company.replace(" ", "+")
    return [
        ("partner dashboard", "partner", "/"),
        ("service category tab", "partner", "/my-account/profile/?tab=categories"),
        ("app list", "partner", "/apps/"),
        ("admin index (queue chart)", "queue", "/admin/"),
        ("queue: first page", "queue", QUEUE),
        ("queue: pending review", "queue", QUEUE + "?state__exact=pending_review"),
        ("queue: pending, waiting > 7 days", "queue",
         QUEUE + "?state__exact=pending_review&age=old"),
        ("queue: approved", "queue", QUEUE + "?state__exact=approved"),
        ("queue: drafts", "queue", QUEUE + "?state__exact=draft"),
        ("queue: one market", "queue", QUEUE + "?market__id__exact=1"),
        ("queue: one category, pending", "queue",
         QUEUE + "?category__id__exact=1&state__exact=pending_review"),
        ("queue: one region", "queue", QUEUE + "?region__id__exact=1"),
        ("queue: one partner type", "queue", QUEUE + "?partner_type__id__exact=1"),
        ("queue: newest submitted first", "queue", QUEUE + "?o=-3"),
        ("queue: by partner email", "queue", QUEUE + "?o=5"),
        ("queue: page 50", "queue", QUEUE + "?p=50"),
        ("queue: company search", "search", QUEUE + "?q=" + search),
        ("queue: email search", "search", QUEUE + "?q=partner0000123@bench.example"),
        ("queue: application id search", "search", QUEUE + "?q=4242"),
        ("compliance queue", "queue", COMPLIANCE),
        ("compliance queue: pending", "queue", COMPLIANCE + "?state__exact=pending_review"),
        ("compliance queue: search", "search", COMPLIANCE + "?q=" + search),
        ("company entities", "queue", "/admin/onboarding/companyentity/"),
        ("accounts", "queue", "/admin/accounts/user/"),
    ]  # fmt: skip


# --- the database -----------------------------------------------------------------------------


def database_url(server_url: str) -> str:
    name = os.environ.get("BENCH_PAGES_DATABASE", BENCH_DATABASE)
    return server_url.rsplit("/", 1)[0] + "/" + name


def prepare(env: dict, partners: int) -> None:
    """Create and migrate the database; (re)fill it unless it holds `partners` already."""
    url = env["DATABASE_URL"]
    server, name = url.rsplit("/", 1)
    subprocess.run(
        ["psql", server + "/postgres", "-qAtc", f'CREATE DATABASE "{name}"'],
        capture_output=True,
        check=False,  # exists already
    )
    run: dict[str, Any] = {"env": env, "cwd": ROOT, "check": True}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], **run)
    # DEBUG off: the pages link their assets through the manifest, as in production.
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], **run)
    count = subprocess.run(
        [PYTHON, "manage.py", "shell", "-v0", "-c", COUNT_PARTNERS],
        capture_output=True,
        text=True,
        **run,
    ).stdout.strip()
    if int(count or 0) != partners:
        print(f"bench_data --partners {partners} (found {count or 0}) …", flush=True)
        subprocess.run(
            [PYTHON, "manage.py", "bench_data", "--partners", str(partners), "--reset"], **run
        )


COUNT_PARTNERS = (
    "from accounts.models import User; "
    "print(User.objects.filter(email__endswith='@bench.example')"
    ".exclude(email='reviewer@bench.example').count())"
)


# --- in the portal's process: sessions, query counts, plans -----------------------------------


def probe(explain: bool) -> None:
    """Runs with the portal's settings (`bench/pages.py --probe`): opens the two sessions,
    counts each page's queries, prints one JSON line (or the plans with --explain)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from apps_services.models import App
    from onboarding.models import CompanyEntity

    owner_id = (
        App.objects.filter(owner__email__endswith="@bench.example")
        .order_by("-pk")
        .values_list("owner_id", flat=True)
        .first()
    )
    if owner_id is None:
        sys.exit("No bench partner with apps: run manage.py bench_data first.")
    partner = User.objects.get(pk=owner_id)
    reviewer = User.objects.get(email="reviewer@bench.example")
    company = CompanyEntity.objects.get(user=partner).legal_name
    clients = {"partner": Client(), "reviewer": Client()}
    clients["partner"].force_login(partner)
    clients["reviewer"].force_login(reviewer)
    cookie = settings.SESSION_COOKIE_NAME
    queries: dict[str, int] = {}
    for name, who, path in pages(company):
        client = clients["partner" if who == "partner" else "reviewer"]
        client.get(path)  # caches filled once per process (content types, permissions)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")
        queries[name] = len(captured)
        if explain:
            print(f"\n=== {name}  {path}  ({len(captured)} queries)")
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    print(f"\n-- (not a SELECT) {sql[:200]}")
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
                took = next((ln for ln in plan if ln.startswith("Execution Time")), "")
                print(f"\n-- {took}\n{sql[:400]}{' …' if len(sql) > 400 else ''}")
                print("\n".join("   " + ln for ln in plan if not ln.startswith("Planning")))
    if explain:
        return
    print(
        json.dumps(
            {
                "company": company,
                "partner": partner.email,
                "cookies": {
                    who: f"{cookie}={client.cookies[cookie].value}"
                    for who, client in clients.items()
                },
                "queries": queries,
            }
        )
    )


def run_probe(env: dict, explain: bool = False) -> dict:
    env = {**env, "ALLOWED_HOSTS": "testserver"}  # the test client's host
    out = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--probe", *(["--explain"] if explain else [])],
        env=env,
        cwd=ROOT,
        check=True,
        text=True,
        stdout=None if explain else subprocess.PIPE,
    ).stdout
    return {} if explain else json.loads(out.strip().splitlines()[-1])


# --- over HTTP --------------------------------------------------------------------------------


def fetch(port: int, path: str, cookie: str = "") -> float:
    """One request on a new connection (gunicorn's sync workers close each), in ms."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return elapsed


def measure(
    ctx: harness.Context, portal_port: int, found: dict, requests: int
) -> list[harness.Row]:
    targets = pages(found["company"])
    cookies = {
        "partner": found["cookies"]["partner"],
        "queue": found["cookies"]["reviewer"],
        "search": found["cookies"]["reviewer"],
    }
    bare = "bare template view"
    timings: dict[str, list[float]] = {bare: [], **{name: [] for name, _w, _p in targets}}
    for round_ in range(WARMUP + requests):
        samples = [(bare, ctx.bare_port, "/page/", "")]
        samples += [(name, portal_port, path, cookies[who]) for name, who, path in targets]
        for name, port, path, cookie in samples:
            took = fetch(port, path, cookie)
            if round_ >= WARMUP:
                timings[name].append(took)
    base50 = harness.percentile(timings[bare], 50)
    base95 = harness.percentile(timings[bare], 95)
    queries = found["queries"]
    rows = []
    for name, who, path in targets:
        p50 = harness.percentile(timings[name], 50)
        p95 = harness.percentile(timings[name], 95)
        detail = f"p50 {p50:.1f} ms, {queries[name]} SQL queries, `{path}`"
        if who == "partner":
            ratio = p95 / base95
            rows.append(
                harness.Row(
                    name=f"page p95: {name}",
                    figure=f"{p95:.1f} ms",
                    baseline=f"{base95:.1f} ms (p50 {base50:.1f})",
                    ratio=ratio,
                    target=f"<= {PARTNER_RATIO:.0f} x bare template view",
                    ok=ratio <= PARTNER_RATIO,
                    detail=detail,
                )
            )
        elif who == "queue":
            rows.append(
                harness.Row(
                    name=f"page p95: {name}",
                    figure=f"{p95:.1f} ms",
                    target=f"<= {QUEUE_P95_MS:.0f} ms, <= {QUEUE_QUERIES} queries",
                    ok=p95 <= QUEUE_P95_MS and queries[name] <= QUEUE_QUERIES,
                    detail=detail,
                )
            )
        else:
            rows.append(
                harness.Row(
                    name=f"page p95: {name}",
                    figure=f"{p95:.1f} ms",
                    target=f"<= {SEARCH_P95_MS:.0f} ms, <= {QUEUE_QUERIES} queries",
                    ok=p95 <= SEARCH_P95_MS and queries[name] <= QUEUE_QUERIES,
                    detail=detail,
                )
            )
    return rows


def rows(ctx: harness.Context, requests: int = REQUESTS) -> list[harness.Row]:
    url = database_url(ctx.database_url)
    env = harness.portal_env(url, ctx.redis_url)
    prepare(env, ctx.partners)
    found = run_probe(env)
    port = harness.free_port()
    with harness.gunicorn(
        "partner_center.wsgi", env, port, workers=ctx.workers, ready_path="/health/"
    ):
        return measure(ctx, port, found, 20 if ctx.quick else requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the queries")
    parser.add_argument("--skip-data", action="store_true", help="use the database as it is")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.explain)
        return 0
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x")
    redis_url = os.environ.get("REDIS_URL", "")
    ctx = harness.Context(
        database_url=database_url(server),
        redis_url=redis_url,
        partners=args.partners,
        workers=args.workers,
    )
    env = harness.portal_env(ctx.database_url, redis_url)
    if not args.skip_data:
        prepare(env, ctx.partners)
    if args.explain:
        run_probe(env, explain=True)
        return 0
    ctx.bare_port = harness.free_port()
    with harness.gunicorn("bench.bare.wsgi", harness.bare_env(), ctx.bare_port):
        found = run_probe(env)
        port = harness.free_port()
        with harness.gunicorn(
            "partner_center.wsgi", env, port, workers=ctx.workers, ready_path="/health/"
        ):
            measured = measure(ctx, port, found, args.requests)
    for row in measured:
        ratio = f" = {row.ratio:.2f} x bare {row.baseline}" if row.ratio is not None else ""
        print(
            f"{row.name:<48}{row.figure:>10}{ratio}  target {row.target}  "
            f"{'ok' if row.ok else 'MISSED'}  ({row.detail})"
        )
    return 0 if all(row.ok for row in measured) else 1


if __name__ == "__main__":
    sys.exit(main())
