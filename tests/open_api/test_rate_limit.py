"""SPEC §4.8: the token endpoints and the signed Open API are limited per app (and shop), as
TikTok Shop documents (50 requests per second by default): past the limit, HTTP 429 with the
error code TOO_MANY_REQUESTS and a Retry-After header."""

import logging
import time

import pytest
import redis
from django.core.cache import caches
from django.test import Client

from open_api.services import ErrorCode

from .conftest import SHOPS_PATH, secret_of, signed_params, tokens_for

DEAUTHORIZE_PATH = "/authorization/202403/shops"


@pytest.fixture(autouse=True)
def _clock_stands_still(time_machine):
    # Limits count in fixed windows: a test that straddled a window's end would start over.
    time_machine.move_to(time.time(), tick=False)


def token_get(client, app_key, secret=None):
    params = {"app_key": app_key, "auth_code": "x", "grant_type": "authorized_code"}
    return client.get("/api/v2/token/get", {**params, "app_secret": secret or "not-it"})


def assert_rate_limited(response, *, window: int):
    body = response.json()
    assert response.status_code == 429
    assert body["code"] == ErrorCode.TOO_MANY_REQUESTS == 36000429
    assert set(body) == {"code", "message", "request_id"}
    assert "Too many requests" in body["message"]
    assert 1 <= int(response["Retry-After"]) <= window


def test_token_endpoints_answer_429_past_the_app_limit(client, alice_app, settings):
    # given
    settings.OPEN_API_RATE_LIMIT = "3/m"
    answers = [token_get(client, alice_app.app_key).status_code for _ in range(3)]

    # when
    response = token_get(client, alice_app.app_key, secret=secret_of(alice_app))
    refresh = client.get(
        "/api/v2/token/refresh",
        {"app_key": alice_app.app_key, "app_secret": "x", "refresh_token": "y"},
    )

    # then: the limit counts every call of the app, whichever endpoint
    assert answers == [401, 401, 401]
    assert_rate_limited(response, window=60)
    assert_rate_limited(refresh, window=60)


def test_another_app_is_not_limited_by_the_first(client, alice_app, settings):
    # given
    settings.OPEN_API_RATE_LIMIT = "2/m"
    for _ in range(3):
        token_get(client, alice_app.app_key)

    # when
    response = token_get(client, "another-app-key")

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.UNKNOWN_APP_KEY


def test_signed_shop_calls_are_limited_per_app(sam_client, alice_app, settings):
    # given
    token = tokens_for(sam_client, alice_app)["access_token"]
    secret = secret_of(alice_app)
    settings.OPEN_API_RATE_LIMIT = "2/s"

    def shops():
        return sam_client.get(
            SHOPS_PATH,
            signed_params(alice_app, SHOPS_PATH, secret=secret),
            headers={"x-tts-access-token": token},
        )

    # when
    answers = [shops() for _ in range(3)]

    # then
    assert [response.status_code for response in answers[:2]] == [200, 200]
    assert_rate_limited(answers[2], window=1)


def test_deauthorize_is_limited_per_app_and_shop(alice_app, settings):
    # given
    client = Client()
    secret = secret_of(alice_app)
    settings.OPEN_API_RATE_LIMIT = "2/m"

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
    assert_rate_limited(first_shop[2], window=60)
    assert other_shop.status_code == 404


def test_the_openapi_document_describes_the_429(client, db):
    # when
    document = client.get("/open/openapi.json").json()

    # then
    assert "36000429" in document["info"]["description"]
    assert "| 36000429 | too many requests |" in document["info"]["description"]
    for path in document["paths"].values():
        for operation in path.values():
            limited = operation["responses"]["429"]
            assert "Retry-After" in limited["headers"]


@pytest.fixture
def cache_down(monkeypatch):
    def unreachable(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:1.")

    # Every cache call the Open API makes: the rate limit's count and the cached credentials
    # and token come back in one call (partner_center/cache.py).
    for method in ("add", "get", "incr", "count_and_get_many"):
        monkeypatch.setattr(caches["default"], method, unreachable, raising=False)


def test_the_open_api_answers_when_the_cache_is_unreachable(client, alice_app, cache_down, caplog):
    # when
    with caplog.at_level(logging.WARNING, logger="partner_center.throttle"):
        response = token_get(client, alice_app.app_key)

    # then: not limited, not a server error; the credentials are still checked
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.WRONG_APP_SECRET
    assert "Rate limit open-api not applied" in caplog.text
