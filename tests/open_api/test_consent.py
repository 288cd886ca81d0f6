"""SPEC §4.7: the authorization link, the consent page and the seller's side (stand-in)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from apps_services import services as app_services
from apps_services.models import SellerBinding
from categories.models import ServiceCategory
from open_api import services
from open_api.models import AuthCode, Authorization, WebhookDelivery
from sellers.models import SellerType, Shop
from tests.apps_services.conftest import SELLER_CATEGORY, make_app, make_developer
from tests.conftest import make_user

from .conftest import (
    SAM_SECOND_SHOP,
    SAM_SHOP,
    SARA_SHOP,
    authorize,
    authorize_url,
    publish,
    seller_login,
)


def test_the_link_asks_the_seller_to_log_in_to_seller_center_first(client, alice_app, alice):
    # given: logged in to Partner Center is not logged in to Seller Center
    client.force_login(alice)

    # when
    response = client.get(authorize_url(alice_app))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sellers:login") + "?next=")
    followed = client.get(response["Location"])
    assert "Log in to Seller Center" in followed.text


def test_consent_page_shows_the_app_the_developer_and_what_it_may_access(sam_client, alice_app):
    # when
    response = sam_client.get(authorize_url(alice_app))

    # then
    assert response.status_code == 200
    assert f"Authorize {alice_app.name}" in response.text
    assert "Developed by" in response.text
    assert "See which of your shops authorized this app" in response.text
    assert "Shop " + SAM_SHOP in response.text


def test_authorize_redirects_with_a_code_and_the_state(sam_client, alice_app, sam):
    # when
    response = sam_client.post(
        authorize_url(alice_app, state="opaque 1/2"), {"decision": "authorize", "shop_id": SAM_SHOP}
    )

    # then
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "https://alice.example/callback"
    )
    query = parse_qs(location.query)
    assert query["x"] == ["1"]  # the Redirect URL's own query is kept
    assert query["state"] == ["opaque 1/2"]
    assert len(query["code"][0]) >= 32
    authorization = Authorization.objects.get(app=alice_app, shop_id=SAM_SHOP)
    assert authorization.is_active
    assert authorization.seller_account_id == str(sam.pk)
    assert AuthCode.objects.filter(authorization=authorization, used_at=None).count() == 1


def test_state_is_omitted_when_none_was_given(sam_client, alice_app):
    # when
    response = sam_client.post(
        authorize_url(alice_app, state=None), {"decision": "authorize", "shop_id": SAM_SHOP}
    )

    # then
    query = parse_qs(urlsplit(response["Location"]).query)
    assert set(query) == {"x", "code"}


def test_deny_redirects_with_code_null_and_auth_denied(sam_client, alice_app):
    # when
    response = sam_client.post(authorize_url(alice_app, state="abc"), {"decision": "deny"})

    # then
    assert response.status_code == 302
    assert response["Location"] == (
        "https://alice.example/callback?x=1&code=null&error=auth_denied&state=abc"
    )
    assert not Authorization.objects.exists()
    assert not AuthCode.objects.exists()


def test_authorizing_again_renews_the_authorization_and_keeps_the_open_id(
    sam_client, alice_app, sam
):
    # given
    authorize(sam_client, alice_app)
    first = Authorization.objects.get()
    services.revoke_as_seller(authorization_id=first.pk, seller_account_id=str(sam.pk))

    # when
    authorize(sam_client, alice_app)

    # then
    renewed = Authorization.objects.get()
    assert renewed.is_active
    assert renewed.open_id == first.open_id
    assert renewed.expires_at > first.expires_at


def test_a_shop_that_is_not_the_sellers_own_cannot_be_chosen(sam_client, alice_app, sara):
    # when: Sam posts Sara's shop id
    response = sam_client.post(
        authorize_url(alice_app), {"decision": "authorize", "shop_id": SARA_SHOP}
    )

    # then
    assert response.status_code == 403
    assert "Authorization failed" in response.text
    assert not AuthCode.objects.exists()


@pytest.mark.parametrize(
    ("make_unavailable", "message"),
    [
        (lambda app: None, "not published yet"),
        (lambda app: app_services.deactivate_app(app_id=app.pk, by=app.owner), "deactivated"),
        (
            lambda app: ServiceCategory.objects.filter(pk=app.category_id).update(
                discontinued=True
            ),
            "discontinued",
        ),
        (lambda app: app.owner.blacklist(by=None, reason="security review"), "cannot receive"),
    ],
    ids=["unpublished", "deactivated", "discontinued-category", "blacklisted-developer"],
)
def test_apps_that_cannot_be_authorized_get_a_clear_page_never_a_redirect(
    sam_client, certified_alice, make_unavailable, message
):
    # given
    app = make_app(certified_alice)
    if message != "not published yet":
        publish(app)
    make_unavailable(app)

    # when
    page = sam_client.get(authorize_url(app))
    post = sam_client.post(authorize_url(app), {"decision": "authorize", "shop_id": SAM_SHOP})

    # then
    for response in (page, post):
        assert response.status_code == 403
        assert message in response.text
    assert not AuthCode.objects.exists()


def test_an_unknown_service_id_is_a_clear_404(sam_client):
    response = sam_client.get("/open/authorize?service_id=7000000000000000000")

    assert response.status_code == 404
    assert "not valid" in response.text


# --- custom app of a seller in-house developer ----------------------------------------------


@pytest.fixture
def sophie_app(db, rita, sam):
    """Sophie is Sam's in-house developer: her seller account is Sam's, her own shop his
    first shop. Her custom app may be authorized by that shop only."""
    sophie = make_user(email="sophie@example.com")
    make_developer(sophie, kind="seller", state="approved", reviewer=rita)
    SellerBinding.objects.create(
        partner=sophie, seller_account_id=str(sam.pk), own_shop_id=SAM_SHOP
    )
    return publish(make_app(sophie, category=SELLER_CATEGORY, name="Sam's Sync"))


def test_a_seller_developers_custom_app_is_authorized_by_their_own_shop(client, sophie_app, sam):
    # given: Sam has a second shop, which is not the bound own shop
    Shop.objects.create(
        account=sam, shop_id=SAM_SECOND_SHOP, name="Sam Two", region="US",
        seller_type=SellerType.LOCAL.shop_value,
    )  # fmt: skip
    seller_login(client, sam)

    # when
    page = client.get(authorize_url(sophie_app))
    other_shop = client.post(
        authorize_url(sophie_app), {"decision": "authorize", "shop_id": SAM_SECOND_SHOP}
    )
    own_shop = client.post(
        authorize_url(sophie_app), {"decision": "authorize", "shop_id": SAM_SHOP}
    )

    # then
    assert SAM_SHOP in page.text
    assert SAM_SECOND_SHOP not in page.text
    assert other_shop.status_code == 403
    assert "Authorization failed" in other_shop.text
    assert own_shop.status_code == 302
    assert Authorization.objects.get().shop_id == SAM_SHOP


def test_another_shop_sees_authorization_failed_and_no_code_is_issued(client, sophie_app, sara):
    # given
    seller_login(client, sara)

    # when
    page = client.get(authorize_url(sophie_app))
    post = client.post(authorize_url(sophie_app), {"decision": "authorize", "shop_id": SARA_SHOP})

    # then
    for response in (page, post):
        assert response.status_code == 403
        assert "Authorization failed" in response.text
        assert "Location" not in response
    assert not AuthCode.objects.exists()
    assert not Authorization.objects.exists()


# --- the seller's side in the stand-in -----------------------------------------------------


def test_seller_sees_and_revokes_their_authorizations(sam_client, certified_alice, alice_app):
    # given
    authorize(sam_client, alice_app)
    authorization = Authorization.objects.get()

    # when
    listing = sam_client.get(reverse("open_api:authorization-list"))
    revoked = sam_client.post(
        reverse("open_api:authorization-revoke", args=[authorization.pk]), follow=True
    )

    # then
    assert alice_app.name in listing.text
    assert "Revoke" in listing.text
    assert "can no longer access" in revoked.text
    authorization.refresh_from_db()
    assert authorization.ended_by == Authorization.EndedBy.SELLER
    assert not authorization.is_active


def test_revoking_tells_the_developer_with_a_type_6_webhook(sam_client, certified_alice, settings):
    # given
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    app = publish(make_app(certified_alice, webhook_url="https://hooks.alice.example/tts"))
    authorize(sam_client, app)
    authorization = Authorization.objects.get()

    # when
    sam_client.post(reverse("open_api:authorization-revoke", args=[authorization.pk]))

    # then: after the grant (101), the deauthorization
    granted, delivery = WebhookDelivery.objects.order_by("pk")
    assert granted.event_type == 101
    assert delivery.event_type == 6
    assert delivery.shop_id == SAM_SHOP


def test_another_sellers_authorization_is_a_404(client, alice_app, sam, sara):
    # given
    seller_login(client, sam)
    authorize(client, alice_app)
    authorization = Authorization.objects.get()
    seller_login(client, sara)

    # when
    listing = client.get(reverse("open_api:authorization-list"))
    response = client.post(reverse("open_api:authorization-revoke", args=[authorization.pk]))

    # then
    assert alice_app.name not in listing.text
    assert response.status_code == 404
    assert Authorization.objects.get().is_active


def test_seller_pages_need_the_seller_login_not_a_partner_login(client, alice):
    # given
    client.force_login(alice)

    # when
    response = client.get(reverse("open_api:authorization-list"))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sellers:login"))


def test_wrong_seller_password_is_refused_and_throttled(client, sam):
    for _attempt in range(5):
        response = client.post(reverse("sellers:login"), {"login": sam.email, "password": "wrong"})
        assert "incorrect" in response.text

    response = client.post(reverse("sellers:login"), {"login": sam.email, "password": "wrong"})

    assert "Too many wrong passwords" in response.text
