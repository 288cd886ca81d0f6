"""The Open API's hot paths as production serves them (partner_center/wsgi.py's handler, the
lean middleware chain): what a call costs in queries, and that every change a call depends on
— revocation, deauthorization, a new consent, a secret rotation, a deactivation, expiry —
takes effect on the very next call, cache or no cache."""

import io
import json
import sys
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from apps_services import credentials
from apps_services import services as app_services
from open_api import services
from open_api.models import AccessToken, Authorization
from open_api.services import ErrorCode
from partner_center.handlers import PortalHandler

from .conftest import SAM_SHOP, SHOPS_PATH, secret_of, signed_params, tokens_for


@pytest.fixture
def portal():
    """The WSGI application production runs, called in-process."""
    credentials.forget_all()
    return PortalHandler()


def call(portal, path: str, params: dict | None = None, headers: dict | None = None):
    """(status, headers, body) of one GET through the WSGI application."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": urlencode(params or {}),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = response_headers

    # Like Django's test client, leave the test's database connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = portal(environ, start_response)
        body = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started["status"], dict(started["headers"]), body


@pytest.fixture
def granted(sam_client, alice_app):
    """Alice's app, authorized by Sam's shop: the app, its secret and the tokens."""
    return alice_app, secret_of(alice_app), tokens_for(sam_client, alice_app)


def shops(portal, app, secret, access_token):
    status, _headers, body = call(
        portal,
        SHOPS_PATH,
        signed_params(app, SHOPS_PATH, secret=secret),
        {"x-tts-access-token": access_token},
    )
    return status, json.loads(body)


def test_a_warm_signed_shops_call_reads_nothing_from_the_database(
    portal, granted, django_assert_max_num_queries, django_assert_num_queries
):
    # given
    app, secret, tokens = granted

    # when: the first call reads the app, the token and the shops
    with django_assert_max_num_queries(3):
        status, answer = shops(portal, app, secret, tokens["access_token"])

    # then
    assert status == 200, answer
    assert [shop["id"] for shop in answer["data"]["shops"]] == [SAM_SHOP]
    # and the next ones answer the same from the cache
    for _ in range(3):
        with django_assert_num_queries(0):
            status, again = shops(portal, app, secret, tokens["access_token"])
        assert status == 200
        assert again["data"] == answer["data"]


def test_a_refresh_is_one_statement_on_postgresql(portal, granted, django_assert_max_num_queries):
    # given
    app, secret, tokens = granted
    params = {
        "app_key": app.app_key,
        "app_secret": secret,
        "refresh_token": tokens["refresh_token"],
        "grant_type": "refresh_token",
    }
    call(portal, "/api/v2/token/refresh", {**params, "refresh_token": "RFT_warm-up"})

    # when
    from django.db import connection

    # PostgreSQL: one prepared statement on the raw connection (Django's query log does not
    # see it, hence "at most"); elsewhere the ORM path.
    budget = 1 if connection.vendor == "postgresql" else 6
    with django_assert_max_num_queries(budget):
        status, _headers, body = call(portal, "/api/v2/token/refresh", params)

    # then: new tokens, the old refresh token used up
    answer = json.loads(body)
    assert status == 200
    assert answer["code"] == 0, answer
    assert answer["data"]["refresh_token"] != tokens["refresh_token"]
    assert answer["data"]["open_id"] == tokens["open_id"]
    assert answer["data"]["granted_scopes"] == tokens["granted_scopes"]
    status, _headers, body = call(portal, "/api/v2/token/refresh", params)
    assert json.loads(body)["code"] == ErrorCode.INVALID_REFRESH_TOKEN
    # the new access token works, and so does the old one until it expires (the protocol)
    assert shops(portal, app, secret, answer["data"]["access_token"])[0] == 200
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200


def test_a_seller_revocation_is_refused_on_the_very_next_call(portal, granted, sam):
    # given: a warm cache
    app, secret, tokens = granted
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200
    authorization = Authorization.objects.get(app=app, shop_id=SAM_SHOP)

    # when
    services.revoke_as_seller(authorization_id=authorization.pk, seller_account_id=str(sam.pk))

    # then
    status, answer = shops(portal, app, secret, tokens["access_token"])
    assert status == 401
    assert answer["code"] == ErrorCode.ACCESS_TOKEN_REVOKED


def test_a_developer_deauthorization_is_refused_on_the_very_next_call(portal, granted):
    # given
    app, secret, tokens = granted
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200
    authorization = Authorization.objects.get(app=app, shop_id=SAM_SHOP)

    # when
    services.deauthorize_from_portal(app_id=app.pk, authorization_id=authorization.pk, by=app.owner)

    # then
    assert shops(portal, app, secret, tokens["access_token"])[1]["code"] in {
        ErrorCode.ACCESS_TOKEN_REVOKED,
        ErrorCode.AUTHORIZATION_ENDED,
    }


def test_a_token_revoked_by_a_replayed_auth_code_is_refused_at_once(portal, granted):
    # given
    app, secret, tokens = granted
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200

    # when: the chain's tokens are revoked in bulk (what a replayed auth code does)
    AccessToken.objects.filter(app=app).revoke()

    # then
    assert shops(portal, app, secret, tokens["access_token"])[1]["code"] == (
        ErrorCode.ACCESS_TOKEN_REVOKED
    )


def test_a_deactivated_app_is_refused_on_the_very_next_call(portal, granted):
    # given
    app, secret, tokens = granted
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200
    generation = cache.get(credentials.generation_key(app.app_key))

    # when
    app_services.deactivate_app(app_id=app.pk, by=app.owner)

    # then: refused here, and every other process sees a new generation
    status, answer = shops(portal, app, secret, tokens["access_token"])
    assert answer["code"] in {ErrorCode.APP_DEACTIVATED, ErrorCode.ACCESS_TOKEN_REVOKED}
    assert status in {401, 403}
    assert cache.get(credentials.generation_key(app.app_key)) not in {None, generation}


def test_a_rotated_secret_signs_at_once_and_the_old_one_only_in_its_grace_period(
    portal, granted, settings
):
    # given
    app, old, tokens = granted
    assert shops(portal, app, old, tokens["access_token"])[0] == 200

    # when
    app_services.rotate_app_secret(app_id=app.pk, by=app.owner)
    new = secret_of(app)

    # then
    assert new != old
    assert shops(portal, app, new, tokens["access_token"])[0] == 200
    assert shops(portal, app, old, tokens["access_token"])[0] == 200
    grace = timedelta(hours=settings.APP_SECRET_ROTATION_GRACE_HOURS, minutes=1)
    with time_machine.travel(timezone.now() + grace):
        _status, answer = shops(portal, app, old, tokens["access_token"])
        assert answer["code"] == ErrorCode.INVALID_SIGN
        assert shops(portal, app, new, tokens["access_token"])[0] == 200


def test_re_encrypting_the_secrets_keeps_every_call_working(portal, granted):
    # given
    app, secret, tokens = granted
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200
    generation = cache.get(credentials.generation_key(app.app_key))

    # when
    call_command("rotate_encryption_key", stdout=io.StringIO())

    # then
    assert cache.get(credentials.generation_key(app.app_key)) != generation
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200


def test_an_expired_token_is_refused_though_it_is_cached(portal, granted):
    # given: cached
    app, secret, tokens = granted
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200

    # when: its seven days are over
    expiry = AccessToken.objects.get(app=app).expires_at
    with time_machine.travel(expiry + timedelta(seconds=1)):
        status, answer = shops(portal, app, secret, tokens["access_token"])

    # then
    assert status == 401
    assert answer["code"] == ErrorCode.ACCESS_TOKEN_EXPIRED


def test_an_expired_authorization_is_refused_though_it_is_cached(portal, granted):
    app, secret, tokens = granted
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200
    authorization = Authorization.objects.get(app=app, shop_id=SAM_SHOP)
    # The token outlives nothing here: make the authorization end first.
    Authorization.objects.filter(pk=authorization.pk).update(
        expires_at=timezone.now() + timedelta(minutes=1)
    )
    credentials.changed([app.app_key])  # what any service changing an authorization does
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        _status, answer = shops(portal, app, secret, tokens["access_token"])

    assert answer["code"] == ErrorCode.AUTHORIZATION_ENDED


def test_a_shop_the_seller_authorizes_later_is_listed_on_the_next_call(
    portal, sam_client, sam, alice_app
):
    # given: Sam's token, cached, with one shop
    from sellers.models import SellerType, Shop

    secret = secret_of(alice_app)
    tokens = tokens_for(sam_client, alice_app)
    assert len(shops(portal, alice_app, secret, tokens["access_token"])[1]["data"]["shops"]) == 1
    Shop.objects.create(
        account=sam,
        shop_id="7494000000000199",
        name="Sam Two",
        region="US",
        seller_type=SellerType.LOCAL.shop_value,
    )

    # when: Sam authorizes the app for his second shop
    from .conftest import authorize

    authorize(sam_client, alice_app, shop_id="7494000000000199")

    # then: the first token lists both (same seller, same open_id)
    listed = shops(portal, alice_app, secret, tokens["access_token"])[1]["data"]["shops"]
    assert {shop["id"] for shop in listed} == {SAM_SHOP, "7494000000000199"}


def test_another_apps_token_is_refused_from_the_cache_too(portal, granted, certified_alice):
    # given: a second app of Alice, and the first app's token warm in the cache
    from tests.apps_services.conftest import make_app

    from .conftest import publish

    app, secret, tokens = granted
    other = publish(make_app(certified_alice, redirect_url="https://alice.example/other"))
    assert shops(portal, app, secret, tokens["access_token"])[0] == 200

    # when: the other app presents it
    status, answer = shops(portal, other, secret_of(other), tokens["access_token"])

    # then
    assert status == 401
    assert answer["code"] == ErrorCode.INVALID_ACCESS_TOKEN
