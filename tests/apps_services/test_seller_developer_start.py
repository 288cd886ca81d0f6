"""SPEC §4.6 with §3.1: a seller in-house developer verifies the seller account from Get
Started, targets its own shop's market, answers that category's questions, and sees its own
shop by name on the profile."""

import pytest

from apps_services.models import SellerBinding
from categories.models import Market, Region, ServiceCategory
from onboarding.models import Application
from tests.sellers.conftest import SELLER_PASSWORD, make_seller

GET_STARTED = "/onboarding/get-started/?type=seller"
VERIFY = "/apps/seller-verification/"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pk(model, code) -> str:
    return str(model.objects.get(code=code).pk)


def verify(client, email, *, next_url=GET_STARTED):
    return client.post(VERIFY, {"login": email, "password": SELLER_PASSWORD, "next": next_url})


def test_verification_page_shows_no_error_before_anything_is_posted(alice_client):
    response = alice_client.get(f"{VERIFY}?next={GET_STARTED}")

    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required" not in page
    assert 'name="next"' in page


def test_get_started_leads_an_unverified_seller_to_verification_first(alice_client):
    # when
    page = alice_client.get(GET_STARTED).content.decode()
    response = alice_client.post(
        GET_STARTED,
        {
            "region": pk(Region, "UK"),
            "markets": [pk(Market, "UK")],
            "categories": [pk(ServiceCategory, "tiktok-shop-seller")],
        },
    )

    # then
    assert 'href="/apps/seller-verification/?next=' in page
    assert "Verify your TikTok Shop seller account first" in response.content.decode()
    assert not Application.objects.exists()


def test_verifying_from_get_started_returns_there_with_the_shop_market_chosen(alice_client, alice):
    # given
    make_seller(email=alice.email, shop_ids=("7100",), region="UK")

    # when
    response = verify(alice_client, alice.email)
    form = alice_client.get(GET_STARTED).context["form"]

    # then
    assert response.status_code == 302
    assert response.url == GET_STARTED
    assert SellerBinding.objects.filter(partner=alice, own_shop_id="7100").exists()
    assert [o["label"] for o in form.market_options() if o["checked"]] == ["United Kingdom"]
    assert [o["label"] for o in form.category_options() if o["checked"]] == [
        "Seller inhouse developer › TikTok Shop Seller"
    ]


def test_a_seller_cannot_apply_for_another_market_than_its_shops(alice_client, alice):
    # given: a Malaysian shop; a cross-border region could otherwise target the UK
    make_seller(email=alice.email, shop_ids=("7200",), region="MY")
    verify(alice_client, alice.email)

    # when
    response = alice_client.post(
        GET_STARTED,
        {
            "region": pk(Region, "CN"),
            "markets": [pk(Market, "UK")],
            "categories": [pk(ServiceCategory, "tiktok-shop-seller")],
        },
    )

    # then
    assert "builds for its own shop, in Malaysia; United Kingdom is not allowed." in (
        response.content.decode()
    )
    visible = [o["label"] for o in response.context["form"].market_options() if not o["hidden"]]
    assert visible == ["Malaysia"]


def test_a_us_seller_on_the_us_center_gets_the_us_market_only(client, us_user):
    # given
    make_seller(email=us_user.email, shop_ids=("7300",), region="US")
    client.force_login(us_user)
    verify(client, us_user.email)

    # when
    response = client.post(
        GET_STARTED,
        {
            "region": pk(Region, "US"),
            "markets": [pk(Market, "UK")],
            "categories": [pk(ServiceCategory, "tiktok-shop-seller")],
        },
        HTTP_HOST="us.localhost",
    )

    # then
    assert [o["label"] for o in response.context["form"].market_options()] == ["United States"]
    assert "United Kingdom is not allowed" in response.content.decode()
    assert not Application.objects.exists()


def test_the_seller_category_asks_about_the_own_shop_app(alice_client, alice):
    # given
    make_seller(email=alice.email, shop_ids=("7400",), region="UK")
    verify(alice_client, alice.email)

    # when
    url = alice_client.post(
        GET_STARTED,
        {
            "region": pk(Region, "UK"),
            "markets": [pk(Market, "UK")],
            "categories": [pk(ServiceCategory, "tiktok-shop-seller")],
        },
    ).url
    page = alice_client.get(url).content.decode()

    # then
    assert "What will your custom app do for your own shop?" in page
    assert "case study" not in page
    assert "How you will serve in this category" not in page


def test_profile_shows_the_own_shop_by_name(alice_client, alice):
    # given
    make_seller(email=alice.email, shop_ids=("7500",), region="UK")
    verify(alice_client, alice.email)

    # when
    page = alice_client.get("/my-account/profile/").content.decode()

    # then
    assert "TikTok Shop seller" in page
    assert "Own shop: Shop 7500 (UK)" in page
