"""SPEC §4.8: the authorized shops API and request signing. Expected signatures are computed
here, from the rule as written, not by the portal's own signing code."""

import hashlib
import hmac
import time

import pytest
from django.test import Client

from open_api import services, signing
from open_api.models import AccessToken, Authorization, WebhookDelivery

from .conftest import (
    SAM_SECOND_SHOP,
    SAM_SHOP,
    expected_sign,
    secret_of,
    signed_params,
    tokens_for,
)

SHOPS = "/authorization/202309/shops"
DEAUTHORIZE = "/authorization/202403/shops"


def test_the_signature_rule_by_hand():
    # given: the documented rule, spelled out for fixed values
    secret, path = "s3cret", "/authorization/202309/shops"
    params = {"timestamp": "1700000000", "app_key": "abc", "sign": "x", "access_token": "t"}
    body = b'{"a":1}'
    message = b's3cret/authorization/202309/shopsapp_keyabctimestamp1700000000{"a":1}s3cret'

    # when
    sign = signing.request_signature(secret=secret, path=path, params=params, body=body)

    # then
    assert sign == hmac.new(b"s3cret", message, hashlib.sha256).hexdigest()
    assert sign == expected_sign(secret, path, params, body)
    assert sign == sign.lower()


def test_a_multipart_body_is_not_signed():
    params = {"app_key": "abc", "timestamp": "1"}

    multipart = signing.request_signature(
        secret="k",
        path="/p",
        params=params,
        body=b"--xyz--",
        content_type="multipart/form-data; boundary=xyz",
    )

    assert multipart == expected_sign("k", "/p", params)


def test_authorized_shops_answers_the_documented_shape(sam_client, alice_app, sam):
    # given: Sam authorizes the app for both his shops
    from sellers.models import SellerType, Shop

    Shop.objects.create(
        account=sam, shop_id=SAM_SECOND_SHOP, name="Sam Two", region="MY",
        seller_type=SellerType.CROSS_BORDER.shop_value,
    )  # fmt: skip
    tokens_for(sam_client, alice_app, shop_id=SAM_SECOND_SHOP)
    data = tokens_for(sam_client, alice_app)
    secret = secret_of(alice_app)

    # when
    response = sam_client.get(
        SHOPS,
        signed_params(alice_app, SHOPS, secret=secret),
        headers={"x-tts-access-token": data["access_token"]},
    )

    # then
    body = response.json()
    assert response.status_code == 200
    assert body["code"] == 0
    assert set(body) == {"code", "message", "request_id", "data"}
    shops = {shop["id"]: shop for shop in body["data"]["shops"]}
    assert set(shops) == {SAM_SHOP, SAM_SECOND_SHOP}
    for shop in shops.values():
        assert set(shop) == {"cipher", "code", "id", "name", "region", "seller_type"}
    assert shops[SAM_SHOP]["seller_type"] == "LOCAL"
    assert shops[SAM_SECOND_SHOP]["seller_type"] == "CROSS_BORDER"
    assert shops[SAM_SECOND_SHOP]["region"] == "MY"
    assert shops[SAM_SHOP]["cipher"].startswith("GCP_")


def test_an_access_token_passed_as_a_query_parameter_is_not_signed(sam_client, alice_app):
    # given
    data = tokens_for(sam_client, alice_app)
    secret = secret_of(alice_app)
    params = signed_params(alice_app, SHOPS, secret=secret)
    params["access_token"] = data["access_token"]  # added after signing: excluded by the rule

    # when
    response = sam_client.get(SHOPS, params, headers={"x-tts-access-token": data["access_token"]})

    # then
    assert response.json()["code"] == 0


def refused(response, status, code):
    body = response.json()
    assert response.status_code == status
    assert body["code"] == code, body
    assert "data" not in body


@pytest.fixture
def shops_call(sam_client, alice_app):
    data = tokens_for(sam_client, alice_app)
    secret = secret_of(alice_app)

    def call(params, token=data["access_token"]):
        return sam_client.get(SHOPS, params, headers={"x-tts-access-token": token})

    call.secret = secret
    return call


def test_a_wrong_signature_is_refused(shops_call, alice_app):
    params = signed_params(alice_app, SHOPS, secret="not-the-secret")

    refused(shops_call(params), 401, services.ErrorCode.INVALID_SIGN)


def test_a_signature_over_other_parameters_is_refused(shops_call, alice_app):
    params = signed_params(alice_app, SHOPS, secret=shops_call.secret)
    params["shop_id"] = "added-after-signing"

    refused(shops_call(params), 401, services.ErrorCode.INVALID_SIGN)


def test_a_signature_for_another_path_is_refused(shops_call, alice_app):
    params = signed_params(alice_app, "/authorization/202309/other", secret=shops_call.secret)

    refused(shops_call(params), 401, services.ErrorCode.INVALID_SIGN)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(-300, True), (-301, False), (30, True), (31, False), (-86400, False), (3600, False)],
    ids=["5-min-old", "stale", "30-s-ahead", "future", "a-day-old", "an-hour-ahead"],
)
def test_timestamp_window_is_5_minutes_before_to_30_seconds_after(
    shops_call, alice_app, time_machine, offset, accepted
):
    # given: the server's clock stands still at `now`
    now = int(time.time())
    time_machine.move_to(now, tick=False)
    params = signed_params(alice_app, SHOPS, secret=shops_call.secret, timestamp=now + offset)

    # when
    response = shops_call(params)

    # then
    if accepted:
        assert response.json()["code"] == 0
    else:
        refused(response, 401, services.ErrorCode.INVALID_TIMESTAMP)


def test_a_missing_sign_or_timestamp_is_refused(shops_call, alice_app):
    params = signed_params(alice_app, SHOPS, secret=shops_call.secret)
    del params["sign"]

    refused(shops_call(params), 400, services.ErrorCode.INVALID_PARAMETER)


def test_an_invalid_or_revoked_access_token_is_refused(shops_call, alice_app, sam):
    params = signed_params(alice_app, SHOPS, secret=shops_call.secret)
    refused(shops_call(params, token="ROW_nope"), 401, services.ErrorCode.INVALID_ACCESS_TOKEN)
    refused(shops_call(params, token=""), 401, services.ErrorCode.INVALID_ACCESS_TOKEN)

    services.revoke_as_seller(
        authorization_id=Authorization.objects.get().pk, seller_account_id=str(sam.pk)
    )

    refused(shops_call(params), 401, services.ErrorCode.ACCESS_TOKEN_REVOKED)


def test_an_expired_access_token_is_refused(shops_call, alice_app, time_machine):
    time_machine.move_to(AccessToken.objects.get().expires_at, tick=False)
    params = signed_params(alice_app, SHOPS, secret=shops_call.secret)

    refused(shops_call(params), 401, services.ErrorCode.ACCESS_TOKEN_EXPIRED)


def test_the_developer_deauthorizes_a_shop_with_a_signed_delete(sam_client, certified_alice):
    # given
    from .conftest import make_app, publish

    app = publish(make_app(certified_alice, webhook_url="https://hooks.alice.example/in"))
    data = tokens_for(sam_client, app)
    secret = secret_of(app)
    shop = sam_client.get(
        SHOPS,
        signed_params(app, SHOPS, secret=secret),
        headers={"x-tts-access-token": data["access_token"]},
    ).json()["data"]["shops"][0]

    # when
    params = signed_params(app, DEAUTHORIZE, secret=secret, shop_cipher=shop["cipher"])
    response = Client(enforce_csrf_checks=True).delete(
        f"{DEAUTHORIZE}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
    )
    again = Client().delete(f"{DEAUTHORIZE}?{'&'.join(f'{k}={v}' for k, v in params.items())}")

    # then
    assert response.status_code == 200
    assert response.json()["code"] == 0
    authorization = Authorization.objects.get()
    assert authorization.ended_by == Authorization.EndedBy.DEVELOPER
    assert not AccessToken.objects.filter(revoked_at=None).exists()
    # after the grant (101) of the consent, the deauthorization (6)
    assert list(WebhookDelivery.objects.order_by("pk").values_list("event_type", flat=True)) == [
        101,
        6,
    ]
    refused(again, 404, services.ErrorCode.SHOP_NOT_AUTHORIZED)


def test_a_delete_with_a_bad_signature_ends_nothing(sam_client, alice_app):
    # given
    tokens_for(sam_client, alice_app)
    cipher = Authorization.objects.get().shop_cipher
    params = signed_params(alice_app, DEAUTHORIZE, secret="wrong", shop_cipher=cipher)

    # when
    response = Client().delete(f"{DEAUTHORIZE}?{'&'.join(f'{k}={v}' for k, v in params.items())}")

    # then
    refused(response, 401, services.ErrorCode.INVALID_SIGN)
    assert Authorization.objects.get().is_active
