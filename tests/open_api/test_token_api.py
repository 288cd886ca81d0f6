"""SPEC §4.8: the token API, in TikTok Shop's public shape: code, message, request_id, data."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client

from apps_services import services as app_services
from open_api import services
from open_api.models import AccessToken, Authorization, RefreshToken
from tests.conftest import requires_postgres

from .conftest import authorize, get_token, secret_of, tokens_for

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TOKEN_FIELDS = {
    "access_token",
    "access_token_expire_in",
    "refresh_token",
    "refresh_token_expire_in",
    "open_id",
    "seller_name",
    "seller_base_region",
    "user_type",
    "granted_scopes",
}


def refresh(client, app, refresh_token, *, grant_type="refresh_token", secret=None):
    return client.get(
        "/api/v2/token/refresh",
        {
            "app_key": app.app_key,
            "app_secret": secret or secret_of(app),
            "refresh_token": refresh_token,
            "grant_type": grant_type,
        },
    )


def assert_refused(response, status: int) -> dict:
    body = response.json()
    assert response.status_code == status
    assert set(body) == {"code", "message", "request_id"}
    assert isinstance(body["code"], int)
    assert body["code"] != 0
    assert body["message"]
    return body


def test_token_get_answers_the_documented_shape_with_absolute_expiries(
    sam_client, alice_app, sam, time_machine
):
    # given
    time_machine.move_to(NOW, tick=False)
    code = authorize(sam_client, alice_app)

    # when
    response = get_token(sam_client, alice_app, code)

    # then
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"code", "message", "request_id", "data"}
    assert (body["code"], body["message"]) == (0, "success")
    assert isinstance(body["request_id"], str)
    assert body["request_id"]
    data = body["data"]
    assert set(data) == TOKEN_FIELDS
    assert data["access_token_expire_in"] == int((NOW + timedelta(days=7)).timestamp())
    assert data["refresh_token_expire_in"] == int((NOW + timedelta(days=365)).timestamp())
    assert data["user_type"] == 0
    assert data["seller_name"] == "Seller"
    assert data["seller_base_region"] == "US"
    # what the seller granted: the scopes a new app holds
    assert data["granted_scopes"] == ["seller.authorization.info"]
    assert data["open_id"] == Authorization.objects.get().open_id
    assert isinstance(data["access_token"], str)
    assert isinstance(data["refresh_token"], str)


def test_only_hashes_of_codes_and_tokens_are_stored(sam_client, alice_app):
    # when
    data = tokens_for(sam_client, alice_app)

    # then
    for model, token in (
        (AccessToken, data["access_token"]),
        (RefreshToken, data["refresh_token"]),
    ):
        row = model.objects.get()
        assert token not in row.token_hash
        assert not model.objects.filter(token_hash=token).exists()


def test_refresh_rotates_the_refresh_token(sam_client, alice_app, time_machine):
    # given
    time_machine.move_to(NOW, tick=False)
    first = tokens_for(sam_client, alice_app)
    time_machine.move_to(NOW + timedelta(days=6), tick=False)

    # when
    response = refresh(sam_client, alice_app, first["refresh_token"])
    again = refresh(sam_client, alice_app, first["refresh_token"])

    # then
    body = response.json()
    assert body["code"] == 0
    assert set(body["data"]) == TOKEN_FIELDS
    data = body["data"]
    assert data["refresh_token"] != first["refresh_token"]
    assert data["access_token"] != first["access_token"]
    assert data["access_token_expire_in"] == int((NOW + timedelta(days=13)).timestamp())
    assert data["open_id"] == first["open_id"]
    assert_refused(again, 400)
    assert refresh(sam_client, alice_app, data["refresh_token"]).json()["code"] == 0


def test_a_code_is_single_use_and_replaying_it_revokes_its_tokens(sam_client, alice_app):
    # given
    code = authorize(sam_client, alice_app)
    first = get_token(sam_client, alice_app, code).json()["data"]
    refreshed = refresh(sam_client, alice_app, first["refresh_token"]).json()["data"]

    # when
    replay = get_token(sam_client, alice_app, code)

    # then
    body = assert_refused(replay, 400)
    assert body["code"] == services.ErrorCode.AUTH_CODE_USED
    assert "already used" in body["message"]
    assert AccessToken.objects.filter(revoked_at=None).count() == 0
    assert RefreshToken.objects.filter(revoked_at=None).count() == 0
    assert_refused(refresh(sam_client, alice_app, refreshed["refresh_token"]), 400)


def test_a_code_expires_after_30_minutes(sam_client, alice_app, time_machine):
    # given
    time_machine.move_to(NOW, tick=False)
    fresh = authorize(sam_client, alice_app)
    stale = authorize(sam_client, alice_app)
    time_machine.move_to(NOW + timedelta(minutes=29, seconds=59), tick=False)
    assert get_token(sam_client, alice_app, fresh).json()["code"] == 0
    time_machine.move_to(NOW + timedelta(minutes=30), tick=False)

    # when
    response = get_token(sam_client, alice_app, stale)

    # then
    body = assert_refused(response, 400)
    assert body["code"] == services.ErrorCode.AUTH_CODE_EXPIRED
    assert "30 minutes" in body["message"]


def test_a_code_is_bound_to_its_app(sam_client, certified_alice, alice_app):
    # given
    from .conftest import make_app, publish

    other_app = publish(make_app(certified_alice, name="Other"))
    code = authorize(sam_client, alice_app)

    # when
    response = get_token(sam_client, other_app, code)

    # then
    assert assert_refused(response, 400)["code"] == services.ErrorCode.INVALID_AUTH_CODE
    assert get_token(sam_client, alice_app, code).json()["code"] == 0


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"app_secret": "0" * 40}, 401, services.ErrorCode.WRONG_APP_SECRET),
        ({"app_key": "nosuchkey"}, 401, services.ErrorCode.UNKNOWN_APP_KEY),
        ({"auth_code": "not-a-code"}, 400, services.ErrorCode.INVALID_AUTH_CODE),
        ({"grant_type": "refresh_token"}, 400, services.ErrorCode.WRONG_GRANT_TYPE),
        ({"auth_code": ""}, 400, services.ErrorCode.INVALID_PARAMETER),
    ],
    ids=["wrong-secret", "unknown-key", "bad-code", "wrong-grant-type", "missing-code"],
)
def test_token_get_errors_answer_a_non_zero_code(sam_client, alice_app, change, status, error):
    # given
    params = {
        "app_key": alice_app.app_key,
        "app_secret": secret_of(alice_app),
        "auth_code": authorize(sam_client, alice_app),
        "grant_type": "authorized_code",
        **change,
    }

    # when
    response = sam_client.get("/api/v2/token/get", params)

    # then
    assert assert_refused(response, status)["code"] == error


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"app_secret": "0" * 40}, 401, services.ErrorCode.WRONG_APP_SECRET),
        ({"refresh_token": "RFT_nope"}, 400, services.ErrorCode.INVALID_REFRESH_TOKEN),
        ({"grant_type": "authorized_code"}, 400, services.ErrorCode.WRONG_GRANT_TYPE),
    ],
    ids=["wrong-secret", "bad-token", "wrong-grant-type"],
)
def test_token_refresh_errors_answer_a_non_zero_code(sam_client, alice_app, change, status, error):
    # given
    params = {
        "app_key": alice_app.app_key,
        "app_secret": secret_of(alice_app),
        "refresh_token": tokens_for(sam_client, alice_app)["refresh_token"],
        "grant_type": "refresh_token",
        **change,
    }

    # when
    response = sam_client.get("/api/v2/token/refresh", params)

    # then
    assert assert_refused(response, status)["code"] == error


def test_revoked_tokens_cannot_be_refreshed(sam_client, alice_app, sam):
    # given
    data = tokens_for(sam_client, alice_app)
    services.revoke_as_seller(
        authorization_id=Authorization.objects.get().pk, seller_account_id=str(sam.pk)
    )

    # when
    response = refresh(sam_client, alice_app, data["refresh_token"])

    # then
    assert assert_refused(response, 400)["code"] == services.ErrorCode.REFRESH_TOKEN_REVOKED


def test_a_deactivated_app_gets_no_tokens_and_its_tokens_are_revoked(sam_client, alice_app):
    # given
    secret = secret_of(alice_app)
    data = tokens_for(sam_client, alice_app)
    code = authorize(sam_client, alice_app)
    app_services.deactivate_app(app_id=alice_app.pk, by=alice_app.owner)

    # when
    token_get = get_token(sam_client, alice_app, code, secret=secret)
    token_refresh = refresh(sam_client, alice_app, data["refresh_token"], secret=secret)

    # then
    for response in (token_get, token_refresh):
        assert assert_refused(response, 403)["code"] == services.ErrorCode.APP_DEACTIVATED
    assert not AccessToken.objects.filter(revoked_at=None).exists()
    assert not RefreshToken.objects.filter(revoked_at=None).exists()
    authorization = Authorization.objects.get()
    assert authorization.ended_by == Authorization.EndedBy.APP_DEACTIVATED


def test_the_previous_secret_works_during_the_rotation_grace_period(sam_client, alice_app):
    # given
    old_secret = secret_of(alice_app)
    app_services.rotate_app_secret(app_id=alice_app.pk, by=alice_app.owner)
    code = authorize(sam_client, alice_app)

    # when
    response = get_token(sam_client, alice_app, code, secret=old_secret)

    # then
    assert response.json()["code"] == 0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/api/v2/token/get", 405),
        ("delete", "/authorization/202309/shops", 405),
        ("get", "/api/v2/nothing/here", 404),
        ("post", "/authorization/202309/nothing", 404),
    ],
)
def test_unknown_paths_and_methods_answer_json_too(client, db, method, path, status):
    # when
    response = getattr(client, method)(path)

    # then
    assert response["Content-Type"] == "application/json"
    assert_refused(response, status)


def test_api_endpoints_need_no_csrf_token(alice_app, db):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/v2/token/get")

    assert_refused(response, 405)  # a JSON 405, not Django's CSRF page


@requires_postgres()
@pytest.mark.django_db(transaction=True)
def test_one_code_exchanged_twice_at_once_succeeds_exactly_once(alice_app, sam):
    # given
    client = Client()
    from .conftest import seller_login

    seller_login(client, sam)
    code = authorize(client, alice_app)
    secret = secret_of(alice_app)
    barrier = threading.Barrier(2)
    answers = []

    def exchange():
        try:
            barrier.wait()
            answers.append(get_token(Client(), alice_app, code, secret=secret).json())
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=exchange) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    codes = sorted(answer["code"] for answer in answers)
    assert codes == [0, services.ErrorCode.AUTH_CODE_USED]
    assert AccessToken.objects.count() == 1
