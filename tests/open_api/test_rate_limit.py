"""SPEC §9.4: the Open API is limited per app, shop and endpoint (50 requests per second by
default, as TikTok Shop documents; other rates are data, open_api.models.RateLimit). Every
answer says where the caller stands (X-RateLimit-Limit, -Remaining, -Reset); past the limit,
HTTP 429 with the error code TOO_MANY_REQUESTS and a Retry-After header."""

import logging
import time

import pytest
import redis
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from apps_services import credentials
from open_api import calllog, endpoints
from open_api.models import DEFAULT_PER_SECOND, RateLimit
from open_api.services import ErrorCode
from tests.conftest import make_user
from tests.infra.test_sessions import redis_cache

from .conftest import SHOPS_PATH, secret_of, signed_params, tokens_for

DEAUTHORIZE_PATH = "/authorization/202403/shops"


@pytest.fixture(autouse=True)
def _clock_stands_still(time_machine):
    # Limits count in one-second windows: a test that straddled a window's end would start
    # over.
    time_machine.move_to(time.time(), tick=False)


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request, settings):
    """The test runs on the in-process cache and on a real Redis (skipped without one)."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("REDIS_URL is not set: no real Redis to count in")
        settings.CACHES = redis_cache(settings.REDIS_URL)
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    credentials.forget_all()
    return request.param


def set_limit(endpoint: endpoints.Endpoint, per_second: int, *, app=None) -> RateLimit:
    """A rate as an operator sets it in the admin (which renews the apps' generation)."""
    row, _created = RateLimit.objects.update_or_create(
        endpoint=endpoint.key, app=app, defaults={"per_second": per_second}
    )
    credentials.changed(RateLimit.objects.filter(pk=row.pk).app_keys())
    return row


def token_get(client, app_key, secret=None):
    params = {"app_key": app_key, "auth_code": "x", "grant_type": "authorized_code"}
    return client.get("/api/v2/token/get", {**params, "app_secret": secret or "not-it"})


def limit_headers(response) -> tuple[int, int, int]:
    return (
        int(response["X-RateLimit-Limit"]),
        int(response["X-RateLimit-Remaining"]),
        int(response["X-RateLimit-Reset"]),
    )


def assert_rate_limited(response, *, limit: int):
    body = response.json()
    assert response.status_code == 429
    assert body["code"] == ErrorCode.TOO_MANY_REQUESTS == 36000429
    assert set(body) == {"code", "message", "request_id"}
    assert "Too many requests" in body["message"]
    assert f"limit {limit} per second" in body["message"]
    assert response["Retry-After"] == "1"  # one-second windows
    assert limit_headers(response) == (limit, 0, 1)


def shops_caller(client, app, token):
    secret = secret_of(app)

    def shops(app_key=None):
        params = signed_params(app, SHOPS_PATH, secret=secret)
        if app_key:
            params["app_key"] = app_key
        return client.get(SHOPS_PATH, params, headers={"x-tts-access-token": token})

    return shops


def test_signed_calls_past_the_endpoints_limit_answer_429_with_headers(
    any_cache, sam_client, alice_app
):
    # given
    shops = shops_caller(sam_client, alice_app, tokens_for(sam_client, alice_app)["access_token"])
    set_limit(endpoints.AUTHORIZED_SHOPS, 2)

    # when
    answers = [shops() for _ in range(3)]

    # then
    assert [response.status_code for response in answers] == [200, 200, 429]
    assert [limit_headers(response) for response in answers[:2]] == [(2, 1, 1), (2, 0, 1)]
    assert "Retry-After" not in answers[0]
    assert_rate_limited(answers[2], limit=2)


def test_without_a_row_the_default_applies(client, alice_app):
    # when
    response = token_get(client, alice_app.app_key)

    # then
    assert response.status_code == 401
    assert limit_headers(response) == (DEFAULT_PER_SECOND, DEFAULT_PER_SECOND - 1, 1)


def test_each_endpoint_counts_on_its_own(client, alice_app):
    # given
    set_limit(endpoints.TOKEN_GET, 3)
    answers = [token_get(client, alice_app.app_key).status_code for _ in range(3)]

    # when
    limited = token_get(client, alice_app.app_key, secret=secret_of(alice_app))
    refresh = client.get(
        "/api/v2/token/refresh",
        {"app_key": alice_app.app_key, "app_secret": "x", "refresh_token": "y"},
    )

    # then: getToken is spent; refreshToken keeps its own (default) budget
    assert answers == [401, 401, 401]
    assert_rate_limited(limited, limit=3)
    assert refresh.status_code == 400  # no grant_type: refused, but not for the limit
    assert limit_headers(refresh) == (DEFAULT_PER_SECOND, DEFAULT_PER_SECOND - 1, 1)


def test_an_apps_override_wins_over_the_endpoints_rate(sam_client, alice_app):
    # given: 1 per second for every app, 3 for Alice's
    shops = shops_caller(sam_client, alice_app, tokens_for(sam_client, alice_app)["access_token"])
    set_limit(endpoints.AUTHORIZED_SHOPS, 1)
    set_limit(endpoints.AUTHORIZED_SHOPS, 3, app=alice_app)

    # when
    alices = [shops() for _ in range(4)]
    others = [shops(app_key="another-app-key") for _ in range(2)]

    # then
    assert [response.status_code for response in alices] == [200, 200, 200, 429]
    assert_rate_limited(alices[3], limit=3)
    assert others[0].status_code == 401
    assert others[0].json()["code"] == ErrorCode.UNKNOWN_APP_KEY
    assert limit_headers(others[0]) == (1, 0, 1)
    assert_rate_limited(others[1], limit=1)


def test_another_app_is_not_limited_by_the_first(client, alice_app):
    # given
    set_limit(endpoints.TOKEN_GET, 2)
    for _ in range(3):
        token_get(client, alice_app.app_key)

    # when
    response = token_get(client, "another-app-key")

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.UNKNOWN_APP_KEY


def test_deauthorize_is_limited_per_app_and_shop(alice_app):
    # given
    client = Client()
    secret = secret_of(alice_app)
    set_limit(endpoints.DEAUTHORIZE_SHOP, 2)

    def deauthorize(shop_cipher):
        params = signed_params(alice_app, DEAUTHORIZE_PATH, secret=secret, shop_cipher=shop_cipher)
        return client.delete(
            f"{DEAUTHORIZE_PATH}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
        )

    # when
    first_shop = [deauthorize("GCP_one") for _ in range(3)]
    other_shop = deauthorize("GCP_two")

    # then
    assert [response.status_code for response in first_shop[:2]] == [404, 404]
    assert_rate_limited(first_shop[2], limit=2)
    assert other_shop.status_code == 404
    assert limit_headers(other_shop) == (2, 1, 1)


@pytest.fixture
def ops_client(db):
    client = Client()
    client.force_login(make_user(email="ops@example.com", is_staff=True, is_superuser=True))
    return client


def test_a_limit_changed_in_the_admin_applies_on_the_next_call(
    any_cache, sam_client, alice_app, ops_client
):
    # given: the limit reached, and the process holding the app's policy
    shops = shops_caller(sam_client, alice_app, tokens_for(sam_client, alice_app)["access_token"])
    row = set_limit(endpoints.AUTHORIZED_SHOPS, 1)
    assert shops().status_code == 200
    assert shops().status_code == 429

    # when: raised in the admin, within the same second
    response = ops_client.post(
        reverse("admin:open_api_ratelimit_change", args=[row.pk]),
        {"endpoint": endpoints.AUTHORIZED_SHOPS.key, "app": "", "per_second": 5},
    )
    after_raise = shops()
    ops_client.post(reverse("admin:open_api_ratelimit_delete", args=[row.pk]), {"post": "yes"})
    after_delete = shops()

    # then
    assert response.status_code == 302
    assert after_raise.status_code == 200
    assert limit_headers(after_raise) == (5, 2, 1)
    assert after_delete.status_code == 200
    assert limit_headers(after_delete) == (DEFAULT_PER_SECOND, DEFAULT_PER_SECOND - 4, 1)


def test_an_app_row_added_in_the_admin_applies_to_that_app(sam_client, alice_app, ops_client):
    # given
    shops = shops_caller(sam_client, alice_app, tokens_for(sam_client, alice_app)["access_token"])
    assert limit_headers(shops())[0] == DEFAULT_PER_SECOND

    # when
    response = ops_client.post(
        reverse("admin:open_api_ratelimit_add"),
        {"endpoint": endpoints.AUTHORIZED_SHOPS.key, "app": alice_app.pk, "per_second": 7},
    )

    # then
    assert response.status_code == 302
    assert limit_headers(shops())[0] == 7


def test_the_admin_offers_only_the_open_apis_endpoints(ops_client):
    # when
    page = ops_client.get(reverse("admin:open_api_ratelimit_add"))
    refused = ops_client.post(
        reverse("admin:open_api_ratelimit_add"), {"endpoint": "noSuchEndpoint", "per_second": 3}
    )

    # then
    assert page.status_code == 200
    assert f'value="{endpoints.AUTHORIZED_SHOPS.key}"' in page.text
    assert refused.status_code == 200  # the form again, with its error
    assert not RateLimit.objects.exists()


def test_refusals_404s_and_405s_carry_the_headers(client, alice_app):
    # when
    unknown = token_get(client, "no-such-app")
    not_found = client.get("/api/v2/nothing-here", {"app_key": alice_app.app_key})
    wrong_method = client.post(f"/api/v2/token/get?app_key={alice_app.app_key}")

    # then
    for response, status in ((unknown, 401), (not_found, 404), (wrong_method, 405)):
        assert response.status_code == status
        assert limit_headers(response)[0] == DEFAULT_PER_SECOND
    assert wrong_method["Allow"] == "GET"


def test_a_throttled_call_is_noted_for_the_call_log(client, alice_app, monkeypatch):
    # given
    seen = []
    record = calllog.record
    monkeypatch.setattr(
        calllog,
        "record",
        lambda request, note, response: seen.append(note.code) or record(request, note, response),
    )
    set_limit(endpoints.TOKEN_GET, 1)

    # when
    token_get(client, alice_app.app_key)
    token_get(client, alice_app.app_key)

    # then
    assert seen == [int(ErrorCode.WRONG_APP_SECRET), int(ErrorCode.TOO_MANY_REQUESTS)]


def test_the_openapi_document_describes_the_429_and_the_headers(client, db):
    # when
    document = client.get("/open/openapi.json").json()

    # then
    description = document["info"]["description"]
    assert "| 36000429 | past the rate limit of this app, shop and endpoint" in description
    assert "X-RateLimit-Reset" in description
    headers = document["components"]["headers"]
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(headers)
    assert "Retry-After" in headers
    for path in document["paths"].values():
        for operation in path.values():
            for code, response in operation["responses"].items():
                described = response.get("headers", {})
                assert described["X-RateLimit-Limit"] == {
                    "$ref": "#/components/headers/X-RateLimit-Limit"
                }, code
            assert "Retry-After" in operation["responses"]["429"]["headers"]


@pytest.fixture
def cache_down(monkeypatch):
    def unreachable(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:1.")

    # Every cache call the Open API makes: the rate limit's count and the cached credentials
    # and token come back in one call (partner_center/cache.py).
    for method in ("add", "get", "incr", "count_and_get_many", "get_many", "set", "set_many"):
        monkeypatch.setattr(caches["default"], method, unreachable, raising=False)


def test_the_open_api_answers_when_the_cache_is_unreachable(client, alice_app, cache_down, caplog):
    # given
    set_limit(endpoints.TOKEN_GET, 1)

    # when
    with caplog.at_level(logging.WARNING, logger="partner_center.throttle"):
        answers = [token_get(client, alice_app.app_key) for _ in range(3)]

    # then: not limited, not a server error; the credentials are still checked, and the
    # headers show the limit with nothing counted against it
    assert [response.status_code for response in answers] == [401, 401, 401]
    assert answers[0].json()["code"] == ErrorCode.WRONG_APP_SECRET
    assert limit_headers(answers[2]) == (1, 1, 1)
    assert "Rate limit open-api not applied" in caplog.text


def test_a_redis_outage_fails_open_with_the_headers(settings, client, alice_app):
    # given: a Redis nobody listens on
    settings.CACHES = redis_cache("redis://127.0.0.1:1/0")
    credentials.forget_all()

    # when
    response = token_get(client, alice_app.app_key)

    # then
    assert response.status_code == 401
    assert limit_headers(response) == (DEFAULT_PER_SECOND, DEFAULT_PER_SECOND, 1)


def test_a_policy_that_cannot_be_read_is_still_a_protocol_answer(client, alice_app, monkeypatch):
    # given: the database fails when the app's limits are read
    from open_api import policy

    def fails(*args, **kwargs):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(policy, "read", fails)
    policy.forget_all()

    # when
    response = token_get(client, alice_app.app_key)

    # then
    assert response.status_code == 500
    assert response.json()["code"] == ErrorCode.INTERNAL_ERROR
    assert limit_headers(response) == (DEFAULT_PER_SECOND, DEFAULT_PER_SECOND, 1)
