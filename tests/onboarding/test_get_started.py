"""SPEC §3.1-3.2 and §2.5: Start Business > Get Started, with the market rules on the server."""

import pytest

from categories.models import Market, ServiceCategory
from onboarding.models import Application

from .conftest import make_application


def ids(model, *codes):
    return [str(pk) for pk in model.objects.filter(code__in=codes).values_list("pk", flat=True)]


def region_id(code):
    from categories.models import Region

    return str(Region.objects.get(code=code).pk)


def test_every_partner_type_card_has_start_business(alice_client):
    response = alice_client.get("/")

    for code in ("cap", "mcn", "tap", "tsp", "isv", "seller"):
        assert f"/onboarding/get-started/?type={code}" in response.content.decode()


@pytest.mark.parametrize("code", ["cap", "mcn", "tap", "tsp", "isv", "seller"])
def test_get_started_opens_for_every_partner_type(alice_client, code):
    response = alice_client.get(f"/onboarding/get-started/?type={code}&region={region_id('UK')}")

    assert response.status_code == 200
    assert "Target market" in response.content.decode()


def save_for_later(client, batch_url):
    """Press "Save for later" on the batch page Next led to, with nothing filled in."""
    return client.post(batch_url, {"action": "save"})


def test_bulk_of_four_categories_is_saved_as_one_batch(alice_client, alice):
    # given
    codes = ["shop-management", "live-management", "short-video-management", "creator-matchmaking"]

    # when
    response = alice_client.post(
        "/onboarding/get-started/?type=tsp",
        {
            "region": region_id("UK"),
            "markets": ids(Market, "UK"),
            "categories": ids(ServiceCategory, *codes),
        },
    )
    page = alice_client.get(response.url).content.decode()
    save_for_later(alice_client, response.url)

    # then
    assert "Save for later" in page
    assert page.count('name="cat-') >= 4 * 3
    applications = Application.objects.filter(user=alice)
    assert applications.count() == 4
    assert len({a.batch for a in applications}) == 1
    assert response.url == f"/onboarding/batches/{applications[0].batch}/"
    assert {a.state for a in applications} == {"draft"}


def test_a_fifth_category_is_refused(alice_client, alice):
    codes = [
        "shop-management",
        "live-management",
        "short-video-management",
        "creator-matchmaking",
        "seller-affiliate-management",
    ]

    response = alice_client.post(
        "/onboarding/get-started/?type=tsp",
        {
            "region": region_id("UK"),
            "markets": ids(Market, "UK"),
            "categories": ids(ServiceCategory, *codes),
        },
    )

    assert response.status_code == 200
    assert (
        "You can apply for at most 4 categories at a time; you chose 5."
        in response.content.decode()
    )
    assert not Application.objects.exists()


def test_discontinued_category_cannot_be_applied_for(alice_client):
    response = alice_client.post(
        "/onboarding/get-started/?type=tsp",
        {
            "region": region_id("UK"),
            "markets": ids(Market, "UK"),
            "categories": ids(ServiceCategory, "paid-media"),
        },
    )

    assert (
        "Paid Media is discontinued and no longer accepts applications."
        in response.content.decode()
    )
    assert not Application.objects.exists()


def test_local_partner_targets_its_own_market_only(alice_client):
    response = alice_client.post(
        "/onboarding/get-started/?type=tsp",
        {
            "region": region_id("UK"),
            "markets": ids(Market, "UK", "DE"),
            "categories": ids(ServiceCategory, "live-management"),
        },
    )

    assert (
        "Local partners can only target their own market (United Kingdom)"
        in response.content.decode()
    )
    assert not Application.objects.exists()


def test_cross_border_service_partner_applies_in_several_markets(alice_client, alice):
    response = alice_client.post(
        "/onboarding/get-started/?type=mcn",
        {
            "region": region_id("CN"),
            "markets": ids(Market, "US", "JP", "DE"),
            "categories": ids(ServiceCategory, "creator-management"),
        },
    )

    assert response.status_code == 302
    save_for_later(alice_client, response.url)
    assert set(alice.applications.values_list("market__code", flat=True)) == {"US", "JP", "DE"}


def test_cross_border_developer_is_limited_to_its_markets(alice_client):
    response = alice_client.post(
        "/onboarding/get-started/?type=isv",
        {
            "region": region_id("HK"),
            "markets": ids(Market, "US"),
            "categories": ids(ServiceCategory, "isv-erp"),
        },
    )

    assert "is not open to cross-border" in response.content.decode()
    assert not Application.objects.exists()


def test_us_center_only_takes_us_companies(client, us_user):
    client.force_login(us_user)

    response = client.post(
        "/onboarding/get-started/?type=tsp",
        {
            "region": region_id("UK"),
            "markets": ids(Market, "UK"),
            "categories": ids(ServiceCategory, "live-management"),
        },
    )

    assert response.status_code == 200
    assert not Application.objects.exists()


def test_the_same_category_and_market_cannot_be_applied_for_twice(alice_client, alice):
    make_application(alice, category="live-management")

    response = alice_client.post(
        "/onboarding/get-started/?type=tsp",
        {
            "region": region_id("UK"),
            "markets": ids(Market, "UK"),
            "categories": ids(ServiceCategory, "live-management"),
        },
    )

    assert "You already applied for Seller Service › LIVE Management in United Kingdom." in (
        response.content.decode()
    )
    assert alice.applications.count() == 1


def test_later_applications_keep_the_company_registration_region(alice_client, alice):
    make_application(alice)

    response = alice_client.post(
        "/onboarding/get-started/?type=mcn",
        {
            "region": region_id("CN"),
            "markets": ids(Market, "UK"),
            "categories": ids(ServiceCategory, "creator-management"),
        },
    )

    # the region field is fixed to the entity's; the posted CN is ignored
    assert response.status_code == 302
    save_for_later(alice_client, response.url)
    assert set(alice.applications.values_list("region__code", flat=True)) == {"UK"}


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/onboarding/get-started/?type=tsp")

    assert response.status_code == 302
    assert "/account/login/" in response.url
