"""The Open API's hot paths against a bare Django HttpResponse (bench/bare/ `/ok/`).

* "Open API signed GET shops": `GET /authorization/202309/shops`, signed exactly as a TikTok
  Shop client signs it (app_key, timestamp, sign; the access token in x-tts-access-token),
  target >= 0.5 x bare;
* "Open API token refresh": `GET /api/v2/token/refresh`, target >= 0.3 x bare. Refresh
  rotates: each refresh token is good once, so a pile of them is issued up front and the wrk
  script presents the next unused one with every request.

A success is a 200 whose JSON body says `"code": 0` (checked by bench/open_api.lua for every
answer); anything else is counted as an error. The portal is served by its own gunicorn (same
command line as the baseline); the demo app's rate limit is raised on every endpoint (a
RateLimit row per endpoint for that app): the default limit (50/s per app, shop and endpoint)
would otherwise answer most of the load with 429s. The limit is still counted in Redis and
read from the app's policy on every call, as in production.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import harness

SCRIPT = Path(__file__).resolve().parent / "open_api.lua"
SHOPS_PATH = "/authorization/202309/shops"
REFRESH_PATH = "/api/v2/token/refresh"
SHOPS_TARGET, REFRESH_TARGET = 0.5, 0.3
# Refresh tokens issued per wrk run: more than a run can use up (a run that does is flagged
# by the script as "exhausted" and counted as errors).
REFRESH_TOKENS_PER_RUN = 25_000

# Run by `manage.py shell -c` after seed_demo: the demo app's rate limit is raised, the demo
# seller authorizes it, the auth code is exchanged, and `count` more refresh tokens are
# issued for that authorization.
SEED = """
import json, secrets
from apps_services import credentials
from apps_services.models import App
from open_api import endpoints, services
from open_api.models import RateLimit, RefreshToken, digest
from sellers.models import SellerAccount, Shop

app = App.objects.get(app_key={app_key!r})
for endpoint in endpoints.ENDPOINTS:
    RateLimit.objects.update_or_create(
        endpoint=endpoint.key, app=app, defaults={{"per_second": 1_000_000}}
    )
credentials.changed([app.app_key])
shop = Shop.objects.get(shop_id={shop_id!r})
account = shop.account
code = services.authorize_app(
    app_id=app.pk, seller_account_id=account.pk, seller_name=account.name,
    seller_region=account.region, shop_id=shop.shop_id,
)
grant = services.exchange_auth_code(app=credentials.lookup(app.app_key), auth_code=code)
tokens = ["RFT_" + secrets.token_urlsafe(32) for _ in range({count})]
RefreshToken.objects.bulk_create(
    [
        RefreshToken(
            app=app, authorization=grant.authorization, auth_code=None,
            token_hash=digest(token), expires_at=grant.authorization.expires_at,
        )
        for token in tokens
    ],
    batch_size=2000,
)
print(json.dumps({{"access_token": grant.access_token, "refresh_tokens": tokens}}))
"""


def sign(secret: str, path: str, params: dict[str, str]) -> str:
    """TikTok Shop's request signature, written out as its documentation states it."""
    pieces = "".join(
        f"{key}{params[key]}" for key in sorted(params) if key not in ("sign", "access_token")
    )
    message = (secret + path + pieces + secret).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_shops_url(ctx: harness.Context, app: dict) -> str:
    # A fresh timestamp for every run: the server accepts 5 minutes of age.
    params = {"app_key": app["app_key"], "timestamp": str(int(time.time()))}
    params["sign"] = sign(app["app_secret"], SHOPS_PATH, params)
    return ctx.portal(f"{SHOPS_PATH}?{urlencode(params)}")


def seed(ctx: harness.Context, runs: int) -> tuple[dict, str, list[str]]:
    demo = json.loads(ctx.manage("seed_demo", "--json"))
    app = demo["app"]
    shop_id = demo["seller"]["shop_id"]
    code = SEED.format(app_key=app["app_key"], shop_id=shop_id, count=REFRESH_TOKENS_PER_RUN * runs)
    seeded = json.loads(ctx.manage("shell", "-c", code).strip().splitlines()[-1])
    return app, seeded["access_token"], seeded["refresh_tokens"]


def _detail(result: harness.WrkResult, *, queries: str = "") -> str:
    failed = result.errors + result.extra.get("failed", 0) + result.extra.get("exhausted", 0)
    parts = [f"p50 {result.p50_ms:.1f} ms", f"p99 {result.p99_ms:.1f} ms", f"errors {failed}"]
    if queries:
        parts.append(queries)
    return ", ".join(parts)


def _row(name: str, target: float, portal: harness.WrkResult, bare: harness.WrkResult) -> Row:
    ratio = portal.rps / bare.rps if bare.rps else 0.0
    failed = portal.errors + portal.extra.get("failed", 0) + portal.extra.get("exhausted", 0)
    return harness.Row(
        name=name,
        figure=f"{portal.rps:,.0f} req/s",
        baseline=f"{bare.rps:,.0f} req/s",
        ratio=ratio,
        target=f">= {target} x bare",
        ok=ratio >= target and failed == 0 and portal.extra.get("ok", 0) > 0,
        detail=_detail(portal) + f"; bare p99 {bare.p99_ms:.1f} ms",
    )


Row = harness.Row


def rows(ctx: harness.Context) -> list[harness.Row]:
    runs = ctx.rounds + 1  # the warm-up run uses tokens too
    app, access_token, refresh_tokens = seed(ctx, runs)
    env = dict(ctx.env)
    port = harness.free_port()
    token_files = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            path = Path(folder) / f"refresh-{run}.txt"
            chunk = refresh_tokens[
                run * REFRESH_TOKENS_PER_RUN : (run + 1) * REFRESH_TOKENS_PER_RUN
            ]
            path.write_text("\n".join(chunk) + "\n")
            token_files.append(str(path))
        refresh_url = f"http://127.0.0.1:{port}{REFRESH_PATH}?" + urlencode(
            {
                "app_key": app["app_key"],
                "app_secret": app["app_secret"],
                "grant_type": "refresh_token",
            }
        )
        with harness.gunicorn(
            "partner_center.wsgi", env, port, workers=ctx.workers, ready_path="/health/"
        ):
            api = harness.Context(**{**ctx.__dict__, "portal_port": port})
            results: dict[str, list[harness.WrkResult]] = {
                "shops": [], "refresh": [], "bare": []
            }  # fmt: skip
            for run in range(runs):
                seconds = 1 if run == 0 else ctx.seconds  # the first run warms up
                measured = {
                    "shops": harness.wrk(
                        api,
                        signed_shops_url(api, app),
                        seconds=seconds,
                        script=SCRIPT,
                        headers={"x-tts-access-token": access_token},
                    ),
                    "bare": harness.wrk(ctx, ctx.bare("/ok/"), seconds=seconds, script=SCRIPT),
                    "refresh": harness.wrk(
                        api,
                        refresh_url,
                        seconds=seconds,
                        script=SCRIPT,
                        script_args=[token_files[run]],
                    ),
                }
                if run:
                    for name, result in measured.items():
                        results[name].append(result)
    shops = harness.summary(results["shops"])
    refresh = harness.summary(results["refresh"])
    bare = harness.summary(results["bare"])
    return [
        _row("Open API signed GET shops", SHOPS_TARGET, shops, bare),
        _row("Open API token refresh", REFRESH_TARGET, refresh, bare),
    ]
