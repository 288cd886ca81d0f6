"""The Open API with Redis unreachable: every call is answered from the database, and every
change still takes effect on the next call (nothing is trusted without the cache's
generation)."""

import json

from open_api import services
from open_api.models import Authorization
from open_api.services import ErrorCode
from tests.open_api.conftest import (
    SAM_SHOP,
    SHOPS_PATH,
    alice_app,
    sam,
    sam_client,
    secret_of,
    signed_params,
    tokens_for,
)
from tests.open_api.test_hot_paths import call, portal

__all__ = ["alice_app", "portal", "sam", "sam_client"]


def shops(portal, app, secret, access_token):
    status, _headers, body = call(
        portal,
        SHOPS_PATH,
        signed_params(app, SHOPS_PATH, secret=secret),
        {"x-tts-access-token": access_token},
    )
    return status, json.loads(body)


def test_the_open_api_answers_from_the_database(
    portal, sam_client, sam, alice_app, redis_down, django_assert_max_num_queries
):
    # given
    secret = secret_of(alice_app)
    tokens = tokens_for(sam_client, alice_app)

    # when / then: every call reads what it needs, and answers: the app's credentials, the
    # token, the seller's shops, and (once per policy, reused a few seconds while Redis is
    # away, like the policy itself) what the app's scopes reach
    for queries in (4, 3):
        with django_assert_max_num_queries(queries):
            status, answer = shops(portal, alice_app, secret, tokens["access_token"])
        assert status == 200, answer
        assert [shop["id"] for shop in answer["data"]["shops"]] == [SAM_SHOP]
    status, _headers, body = call(
        portal,
        "/api/v2/token/refresh",
        {
            "app_key": alice_app.app_key,
            "app_secret": secret,
            "refresh_token": tokens["refresh_token"],
            "grant_type": "refresh_token",
        },
    )
    assert status == 200
    assert json.loads(body)["code"] == 0

    # and a revocation is refused at once
    authorization = Authorization.objects.get(app=alice_app, shop_id=SAM_SHOP)
    services.revoke_as_seller(authorization_id=authorization.pk, seller_account_id=str(sam.pk))
    assert shops(portal, alice_app, secret, tokens["access_token"])[1]["code"] == (
        ErrorCode.ACCESS_TOKEN_REVOKED
    )


def test_a_wrong_secret_is_refused_without_the_cache(portal, alice_app, redis_down):
    status, _headers, body = call(
        portal,
        "/api/v2/token/refresh",
        {
            "app_key": alice_app.app_key,
            "app_secret": "0" * 40,
            "refresh_token": "RFT_x",
            "grant_type": "refresh_token",
        },
    )
    assert status == 401
    assert json.loads(body)["code"] == ErrorCode.WRONG_APP_SECRET
