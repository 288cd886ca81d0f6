"""Scopes on the Open API: every endpoint a seller's grant governs answers 105005, naming
the scope, when the seller did not grant it or the app no longer holds it; the consent page,
the token answer and the OpenAPI document say the same scopes."""

from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps_services import credentials
from open_api import endpoints, scopes
from open_api.models import CATALOG, AppScope, Authorization, Scope
from open_api.services import ErrorCode

from .conftest import SAM_SHOP, SHOPS_PATH, authorize_url, secret_of, signed_params, tokens_for

DEAUTHORIZE_PATH = "/authorization/202403/shops"


def call_authorized_shops(client, app, secret, tokens):
    params = signed_params(app, SHOPS_PATH, secret=secret)
    return client.get(SHOPS_PATH, params, HTTP_X_TTS_ACCESS_TOKEN=tokens["access_token"])


def call_deauthorize_shop(client, app, secret, tokens):
    cipher = Authorization.objects.get(app=app, shop_id=SAM_SHOP).shop_cipher
    params = signed_params(app, DEAUTHORIZE_PATH, secret=secret, shop_cipher=cipher)
    return client.delete(f"{DEAUTHORIZE_PATH}?{urlencode(params)}")


# One caller per endpoint a seller's grant governs: a new endpoint without one fails below.
CALLS = {
    endpoints.AUTHORIZED_SHOPS.key: call_authorized_shops,
    endpoints.DEAUTHORIZE_SHOP.key: call_deauthorize_shop,
}
SCOPED_KEYS = [endpoint.key for endpoint in endpoints.SCOPED]


@pytest.fixture
def granted(sam_client, alice_app):
    """Alice's app, authorized by Sam's shop: the client, the app, its secret, the tokens."""
    credentials.forget_all()
    scopes.forget_all()
    return sam_client, alice_app, secret_of(alice_app), tokens_for(sam_client, alice_app)


def scope_of(endpoint_key: str) -> str:
    return Scope.objects.endpoint_map()[endpoint_key][0]


def test_every_scoped_endpoint_has_a_scope_test_and_a_scope(db):
    # then: a caller in CALLS, and a scope of the catalog covering it
    assert set(CALLS) == set(SCOPED_KEYS)
    covered = Scope.objects.endpoint_map()
    assert all(covered.get(key) for key in SCOPED_KEYS), covered


@pytest.mark.parametrize("endpoint_key", SCOPED_KEYS)
def test_a_granted_scope_lets_the_call_through(endpoint_key, granted):
    # given
    client, app, secret, tokens = granted

    # when
    answer = CALLS[endpoint_key](client, app, secret, tokens).json()

    # then
    assert answer["code"] == 0, answer


@pytest.mark.parametrize("endpoint_key", SCOPED_KEYS)
def test_a_scope_the_seller_did_not_grant_is_refused_naming_it(endpoint_key, granted):
    # given: the seller's grant lacks the endpoint's scope
    client, app, secret, tokens = granted
    scope = scope_of(endpoint_key)
    authorization = Authorization.objects.get(app=app, shop_id=SAM_SHOP)
    Authorization.objects.filter(pk=authorization.pk).update(
        granted_scopes=[key for key in authorization.granted_scopes if key != scope]
    )
    credentials.changed([app.app_key])

    # when
    response = CALLS[endpoint_key](client, app, secret, tokens)

    # then
    answer = response.json()
    assert response.status_code == 403
    assert answer["code"] == ErrorCode.SCOPE_NOT_GRANTED == 105005
    assert scope in answer["message"]
    assert "seller did not grant" in answer["message"]
    assert Authorization.objects.get(pk=authorization.pk).is_active


@pytest.mark.parametrize("endpoint_key", SCOPED_KEYS)
def test_a_scope_the_app_dropped_is_refused_naming_it(endpoint_key, granted):
    # given: the seller granted it, but the app no longer holds it
    client, app, secret, tokens = granted
    scope = scope_of(endpoint_key)
    AppScope.objects.filter(app=app, scope_id=scope).delete()
    credentials.changed([app.app_key])

    # when
    response = CALLS[endpoint_key](client, app, secret, tokens)

    # then
    answer = response.json()
    assert response.status_code == 403
    assert answer["code"] == ErrorCode.SCOPE_NOT_GRANTED
    assert scope in answer["message"]
    assert "app does not hold" in answer["message"]


def test_unticking_a_scope_refuses_the_very_next_call(granted):
    # given: a warm call
    client, app, secret, tokens = granted
    assert call_authorized_shops(client, app, secret, tokens).json()["code"] == 0

    # when: the developer unticks every open scope
    scopes.choose_scopes(app_id=app.pk, by=app.owner, keys=set())

    # then
    answer = call_authorized_shops(client, app, secret, tokens).json()
    assert answer["code"] == ErrorCode.SCOPE_NOT_GRANTED
    assert "seller.authorization.info" in answer["message"]


def test_a_scope_moved_in_the_catalog_applies_on_the_next_call(granted, admin_client):
    # given: a warm call
    client, app, secret, tokens = granted
    assert call_authorized_shops(client, app, secret, tokens).json()["code"] == 0

    # when: staff move getAuthorizedShops to a scope the app does not hold
    response = admin_client.post(
        reverse("admin:open_api_scope_change", args=["seller.shop.info"]),
        {
            "name": "Shop information",
            "description": "Read your shops' names, regions and seller types",
            "endpoints": ["getAuthorizedShops"],
            "position": 1,
        },
    )
    assert response.status_code == 302, response.content
    Scope.objects.filter(key="seller.authorization.info").update(endpoints=["deauthorizeShop"])
    credentials.changed([app.app_key])

    # then
    answer = call_authorized_shops(client, app, secret, tokens).json()
    assert answer["code"] == ErrorCode.SCOPE_NOT_GRANTED
    assert "seller.shop.info" in answer["message"]


def test_the_consent_page_lists_exactly_the_apps_granted_scopes(sam_client, alice_app):
    # given: one more open scope granted, a restricted one only requested
    scopes.choose_scopes(
        app_id=alice_app.pk,
        by=alice_app.owner,
        keys={"seller.authorization.info", "seller.product.basic"},
    )
    scopes.request_scope(
        app_id=alice_app.pk,
        by=alice_app.owner,
        scope_key="seller.order.info",
        reason="We print packing slips for the seller's orders every morning.",
    )

    # when
    page = sam_client.get(authorize_url(alice_app)).text

    # then
    assert "Authorization information" in page
    assert "See which of your shops authorized this app" in page
    assert "Product basics" in page
    assert "Read and update your products and inventory" in page
    assert "Order information" not in page
    assert "Shop information" not in page


def test_the_token_answer_grants_what_the_consent_listed(sam_client, alice_app):
    # given
    scopes.choose_scopes(
        app_id=alice_app.pk,
        by=alice_app.owner,
        keys={"seller.authorization.info", "seller.product.basic", "seller.shop.info"},
    )

    # when
    tokens = tokens_for(sam_client, alice_app)

    # then: in catalog order, stored on the authorization too
    expected = ["seller.authorization.info", "seller.shop.info", "seller.product.basic"]
    assert tokens["granted_scopes"] == expected
    assert Authorization.objects.get(app=alice_app).granted_scopes == expected


def test_the_authorizations_page_lists_the_shops_that_must_consent_again(
    client, certified_alice, sam_client, alice_app
):
    # given: Sam authorized, then the app added a scope
    tokens_for(sam_client, alice_app)
    scopes.choose_scopes(
        app_id=alice_app.pk,
        by=certified_alice,
        keys={"seller.authorization.info", "seller.shop.info"},
    )
    client.force_login(certified_alice)

    # when
    page = client.get(reverse("open_api:app-authorizations", args=[alice_app.pk])).text

    # then
    assert "1 shop must authorize the app again" in page
    assert "seller.shop.info" in page
    assert alice_app.authorization_path().replace("?", "") in page.replace("?", "")


def test_the_authorizations_page_says_when_no_shop_must_consent_again(
    client, certified_alice, sam_client, alice_app
):
    # given
    tokens_for(sam_client, alice_app)
    client.force_login(certified_alice)

    # when
    page = client.get(reverse("open_api:app-authorizations", args=[alice_app.pk])).text

    # then
    assert "must authorize the app again" not in page
    assert "Every active shop granted all the scopes the app asks for." in page


def test_the_openapi_document_names_each_operations_scopes(client, db):
    # when
    document = client.get("/open/openapi.json").json()

    # then
    paths = document["paths"]
    assert paths[SHOPS_PATH]["get"]["x-scopes"] == ["seller.authorization.info"]
    assert "seller.authorization.info" in paths[SHOPS_PATH]["get"]["description"]
    assert paths[DEAUTHORIZE_PATH]["delete"]["x-scopes"] == ["seller.authorization.info"]
    assert "x-scopes" not in paths["/api/v2/token/get"]["get"]
    description = document["info"]["description"]
    assert "| 105005 | scope not granted:" in description
    assert "| `seller.order.info` | Order information | yes |" in description


def test_a_new_app_holds_the_standard_flows_scope(alice_app):
    # then
    assert AppScope.objects.granted_keys(alice_app.pk) == ["seller.authorization.info"]


def test_the_catalog_is_made_again_after_a_flush_and_kept_as_staff_edit_it(db):
    # given: a flushed catalog, and one scope staff renamed
    AppScope.objects.all().delete()
    Scope.objects.exclude(key="seller.shop.info").delete()
    Scope.objects.filter(key="seller.shop.info").update(name="Shops")

    # when
    call_command("seed_catalog")

    # then
    assert list(Scope.objects.values_list("key", flat=True)) == [row[0] for row in CATALOG]
    assert Scope.objects.get(key="seller.shop.info").name == "Shops"


def test_the_migration_wrote_the_codes_catalog():
    # given
    import importlib

    migration = importlib.import_module("open_api.migrations.0004_scope_catalog")

    # then
    assert [tuple(row) for row in migration.CATALOG] == [tuple(row) for row in CATALOG]
