#!/usr/bin/env python3
"""Benchmark partner pages and the reviewer queue on a big database, against a bare view.

One process, no network: Django's test Client (every middleware, sessions in the database,
DEBUG off) asks for each page many times, in interleaved rounds, and the script prints the
server time p50 and p95 per page beside the same figures for a bare Django template view
(`render()` of a trivial template, in the same process), the ratios, and the SQL queries
each page runs. The data is `manage.py bench_data`: N partners with 10 applications each.

    .venv/bin/python bench/pages.py [--partners 100000] [--iterations 200] [--explain]

DATABASE_URL defaults to the local PostgreSQL, database pc_bench_pages (created when
missing, migrated; bench_data runs when the database does not hold --partners bench
partners, which takes about 80 s per 100,000 on a 2-core machine). --explain prints
EXPLAIN ANALYZE of every query the pages run instead of timing them. Exits 1 when a target
is missed: partner pages p95 <= 50 ms and <= 3 x the bare view; reviewer queue p95 <= 300 ms.
"""

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_DATABASE = "pc_bench_pages"
PARTNER_P95_MS, PARTNER_RATIO, QUEUE_P95_MS = 50.0, 3.0, 300.0
BARE_TEMPLATE = (
    "<!DOCTYPE html><html><head><title>{{ title }}</title></head>"
    "<body><main><h1>{{ title }}</h1><p>{{ text }}</p></main></body></html>"
)


def environment() -> dict:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DATABASE}")
    env.update(
        DEBUG="0",
        SECRET_KEY=hashlib.sha256(f"bench:{ROOT}".encode()).hexdigest(),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="partner_center.settings",
    )
    return env


def prepare(env: dict, partners: int) -> None:
    """Create and migrate the database; (re)fill it unless it holds `partners` already."""
    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    if env["DATABASE_URL"].startswith("postgres"):
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", name],
            env=env,
            capture_output=True,
            check=False,
        )
    run: dict[str, Any] = {"env": env, "cwd": ROOT, "check": True}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], **run)
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


def setup_django():
    """Django in this process, with the bare view mounted beside the portal's URLs."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.http import HttpResponse
    from django.template import engines
    from django.test.utils import override_settings
    from django.urls import clear_url_caches, path

    from partner_center import urls

    template = engines["django"].from_string(BARE_TEMPLATE)

    def bare_view(request):
        # What render(request, "…") does: a RequestContext, so the context processors run.
        return HttpResponse(
            template.render({"title": "Bare", "text": "A trivial template."}, request)
        )

    urls.urlpatterns.insert(0, path("bench/bare/", bare_view))
    clear_url_caches()
    # Plain static URLs: with DEBUG off the manifest storage would need collectstatic.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=storages).enable()


def pick_users():
    """A developer partner (apps, approved roles, notifications) and the bench reviewer."""
    from accounts.models import User
    from apps_services.models import App

    owner_id = (
        App.objects.filter(owner__email__endswith="@bench.example")
        .order_by("-pk")
        .values_list("owner_id", flat=True)
        .first()
    )
    if owner_id is None:
        sys.exit("No bench partner with apps: run manage.py bench_data first.")
    return User.objects.get(pk=owner_id), User.objects.get(email="reviewer@bench.example")


def pages(partner) -> list[tuple[str, str, str]]:
    """(name, who, URL); "who" is partner, reviewer or bare."""
    from onboarding.models import CompanyEntity

    company = CompanyEntity.objects.get(user=partner).legal_name
    queue = "/admin/onboarding/application/"
    return [
        ("bare template view", "bare", "/bench/bare/"),
        ("partner dashboard", "partner", "/"),
        ("service category tab", "partner", "/my-account/profile/?tab=categories"),
        ("app list", "partner", "/apps/"),
        ("queue: first page", "reviewer", queue),
        ("queue: pending review", "reviewer", queue + "?state__exact=pending_review"),
        ("queue: company search", "reviewer", queue + "?q=" + company.replace(" ", "+")),
    ]


def clients(partner, reviewer) -> dict:
    from django.test import Client

    partner_client, reviewer_client = Client(), Client()
    partner_client.force_login(partner)
    reviewer_client.force_login(reviewer)
    return {"partner": partner_client, "bare": partner_client, "reviewer": reviewer_client}


def fetch(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code}")
    return elapsed * 1000


def count_queries(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fetch(client, url)
    return [q["sql"] for q in captured.captured_queries]


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def explain(targets, by_who) -> None:
    from django.db import connection

    for name, who, url in targets:
        print(f"\n=== {name}  {url}")
        for sql in count_queries(by_who[who], url):
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            took = next((line for line in plan if line.startswith("Execution Time")), "")
            print(f"\n-- {took}\n{sql[:300]}{' …' if len(sql) > 300 else ''}")
            print("\n".join("   " + line for line in plan if not line.startswith("Planning")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--skip-data", action="store_true", help="use the database as it is")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the queries")
    args = parser.parse_args()

    env = environment()
    if not args.skip_data:
        prepare(env, args.partners)
    os.environ.update(env)
    setup_django()
    from onboarding.models import Application

    partner, reviewer = pick_users()
    by_who = clients(partner, reviewer)
    targets = pages(partner)
    if args.explain:
        explain(targets, by_who)
        return 0

    for _round in range(args.warmup):
        for _name, who, url in targets:
            fetch(by_who[who], url)
    queries = {name: len(count_queries(by_who[who], url)) for name, who, url in targets}
    timings: dict[str, list[float]] = {name: [] for name, _who, _url in targets}
    for _round in range(args.iterations):
        for name, who, url in targets:
            timings[name].append(fetch(by_who[who], url))

    applications = Application.objects.count()
    mine = Application.objects.filter(user=partner).count()
    print(
        f"{applications:,} applications; partner {partner.email} ({mine} applications); "
        f"{args.iterations} requests per page"
    )
    bare = {p: percentile(timings["bare template view"], p) for p in (50, 95)}
    print(f"\n{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'p50 x':>8}{'p95 x':>8}{'SQL':>5}  target")
    ok = True
    for name, who, _url in targets:
        p50, p95 = percentile(timings[name], 50), percentile(timings[name], 95)
        if who == "partner":
            met = p95 <= PARTNER_P95_MS and p95 <= PARTNER_RATIO * bare[95]
            target = f"p95 <= {PARTNER_P95_MS:.0f} ms and <= {PARTNER_RATIO:.0f} x bare"
        elif who == "reviewer":
            met = p95 <= QUEUE_P95_MS
            target = f"p95 <= {QUEUE_P95_MS:.0f} ms"
        else:
            met, target = True, ""
        ok = ok and met
        verdict = ("ok" if met else "MISSED") if target else ""
        print(
            f"{name:<24}{p50:9.2f}{p95:9.2f}{p50 / bare[50]:8.1f}{p95 / bare[95]:8.1f}"
            f"{queries[name]:5d}  {target} {verdict}"
        )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
