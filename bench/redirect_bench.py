"""The public referral redirect /r/<token> against a bare Django redirect (bench/bare/).

Two rows:

- PostgreSQL + Redis (the portal bench/run.py serves, clicks counted in Redis): requests/s
  against the bare project's `/r/<token>` (SecurityMiddleware and CommonMiddleware only,
  `HttpResponseRedirect`), rounds alternated, target >= 0.9 x; p99 <= 10 ms at the run's
  connections; every click stored: after the flush the link's count grew by exactly the
  GETs wrk sent (bench/clicks.lua sends uncounted HEADs in each run's last second, so no
  counted request is in flight when wrk stops) and every request was answered with a 302.
- The embedded default (SQLite file, clicks counted in the database, no Redis): a second
  portal gunicorn on its own SQLite database: >= 0.5 x, every click stored.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from bench import harness

SCRIPT = Path(__file__).resolve().parent / "clicks.lua"
TAIL_SECONDS = 1  # the HEAD-only end of each run (see clicks.lua)
TARGET_RATIO = {"redis": 0.9, "sqlite": 0.5}
TARGET_P99_MS = {"redis": 10.0}  # the embedded default has no latency target

# Flush what Redis holds (nothing to do in database mode), then print the link's count.
STORED = (
    "from referrals import tracking; from referrals.models import ReferralLink; "
    "tracking.flush_clicks(); print(ReferralLink.objects.get(token={token!r}).clicks)"
)


def _link_path(env: dict, ctx: harness.Context) -> str:
    out = ctx.manage("seed_demo", "--json", env=env)
    url = json.loads(out)["shop_registration"]["local_url"]
    return "/" + url.split("/", 3)[3]


def _stored(ctx: harness.Context, env: dict, token: str) -> int:
    out = ctx.manage("shell", "-c", STORED.format(token=token), env=env)
    return int(out.strip().splitlines()[-1])


def _run(ctx: harness.Context, portal_url: str, bare_url: str) -> dict[str, harness.WrkResult]:
    """Warm both up with uncounted HEADs, then alternate rounds; the rounds' summaries."""
    for url in (portal_url, bare_url):
        harness.wrk(ctx, url, seconds=1, script=SCRIPT, script_args=["1", "1"])
    args = [str(ctx.seconds), str(min(TAIL_SECONDS, ctx.seconds))]
    results: dict[str, list[harness.WrkResult]] = {"portal": [], "bare": []}
    for _ in range(ctx.rounds):
        for name, url in (("portal", portal_url), ("bare", bare_url)):
            result = harness.wrk(ctx, url, script=SCRIPT, script_args=args)
            results[name].append(result)
            print(
                f"  {name:<6} {result.rps:8.0f} req/s  p99 {result.p99_ms:6.2f} ms  "
                f"GETs {result.extra.get('gets', 0)}",
                flush=True,
            )
    return {name: harness.summary(rounds) for name, rounds in results.items()}


def _row(name: str, mode: str, runs: dict[str, harness.WrkResult], stored: int) -> harness.Row:
    portal, bare = runs["portal"], runs["bare"]
    ratio = portal.rps / bare.rps if bare.rps else 0.0
    sent = portal.extra.get("gets", 0)
    # Socket errors and answers other than the 302 (wrk's and the script's own count).
    errors = portal.errors + portal.extra.get("not_302", 0)
    p99_target = TARGET_P99_MS.get(mode)
    ok = (
        ratio >= TARGET_RATIO[mode]
        and (p99_target is None or portal.p99_ms <= p99_target)
        and stored == sent
        and errors == 0
    )
    target = f">= {TARGET_RATIO[mode]} x bare"
    if p99_target is not None:
        target += f", p99 <= {p99_target:g} ms"
    return harness.Row(
        name=name,
        figure=f"{portal.rps:,.0f} req/s, p99 {portal.p99_ms:.1f} ms",
        target=target + ", clicks stored = sent",
        ok=ok,
        baseline=f"{bare.rps:,.0f} req/s, p99 {bare.p99_ms:.1f} ms",
        ratio=ratio,
        detail=f"clicks sent {sent:,}, stored {stored:,}; errors {errors}",
    )


def rows(ctx: harness.Context) -> list[harness.Row]:
    found = []

    # PostgreSQL + Redis: the portal bench/run.py started.
    path = _link_path(ctx.env, ctx)
    token = path.rsplit("/", 1)[1]
    bare_url = ctx.bare(path)
    before = _stored(ctx, ctx.env, token)
    runs = _run(ctx, ctx.portal(path), bare_url)
    stored = _stored(ctx, ctx.env, token) - before
    found.append(_row("Referral redirect (PostgreSQL + Redis)", "redis", runs, stored))

    # The embedded default: SQLite, clicks counted in the database, no Redis.
    with tempfile.TemporaryDirectory(prefix="pc-bench-sqlite-") as directory:
        env = harness.portal_env("", "", DATABASE_URL=f"sqlite:///{directory}/db.sqlite3")
        env.pop("REFERRAL_CLICK_COUNTER", None)
        env.pop("REFERRAL_CLICKS_REDIS_URL", None)
        ctx.manage("migrate", "--noinput", "-v0", env=env)
        ctx.manage("seed_catalog", env=env)
        path = _link_path(env, ctx)
        token = path.rsplit("/", 1)[1]
        port = harness.free_port()
        try:
            with harness.gunicorn(
                "partner_center.wsgi", env, port, workers=ctx.workers, ready_path="/health/"
            ):
                before = _stored(ctx, env, token)
                runs = _run(ctx, f"http://127.0.0.1:{port}{path}", ctx.bare(path))
                stored = _stored(ctx, env, token) - before
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"{error.cmd}: {error.stderr}") from error
    found.append(
        _row(
            "Referral redirect (embedded default: SQLite, database counter)", "sqlite", runs, stored
        )
    )
    return found
