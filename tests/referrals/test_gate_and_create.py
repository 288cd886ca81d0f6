"""SPEC §5.1-5.2: only a partner with an approved Shop registration category creates the
service; everyone else is told why and how to apply."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AccountBlacklisted
from categories.models import Market, ServiceCategory
from referrals import services
from referrals.models import ServiceState, ServiceType, ShopRegistrationService

from .conftest import CATEGORY, make_service, make_shop_partner

FORM = {
    "service_type": "custom",
    "name": "Prairie Shop Setup",
    "description": "We open your TikTok Shop in a week.",
    "contact_email": "hello@prairie.example",
}


def form_data(**extra):
    return {
        **FORM,
        "category": ServiceCategory.objects.get(code=CATEGORY).pk,
        "market": Market.objects.get(code="US").pk,
        **extra,
    }


def test_partner_without_the_category_is_told_why_and_how_to_apply(alice, client):
    # given
    client.force_login(alice)

    # when
    listing = client.get(reverse("referrals:service-list"))
    create = client.get(reverse("referrals:service-create"))

    # then
    for response in (listing, create):
        assert "You need an approved “Shop registration” category" in response.text
        assert reverse("onboarding:get-started") + "?type=tsp" in response.text
    assert create.status_code == 403
    assert "<form" not in create.text.split("shop-registration-gate")[1].split("</section>")[0]


@pytest.mark.parametrize("state", ["draft", "pending_review"])
def test_an_application_not_approved_yet_does_not_open_the_service(state, alice, client):
    # given
    make_shop_partner(alice, state=state)
    client.force_login(alice)

    # when
    response = client.post(reverse("referrals:service-create"), form_data())

    # then
    assert response.status_code == 403
    assert "Outsourced Operations › Shop registration" in response.text  # its status is listed
    assert not ShopRegistrationService.objects.exists()


def test_the_service_refuses_a_partner_without_approval_from_any_entry_point(alice):
    make_shop_partner(alice, state="pending_review")

    with pytest.raises(ValidationError, match="approved “Shop registration”"):
        make_service(alice)


def test_create_form_offers_custom_and_shows_public_as_not_available(approved_alice, client):
    client.force_login(approved_alice)

    response = client.get(reverse("referrals:service-create"))

    assert response.status_code == 200
    assert 'value="custom"' in response.text
    public = response.text.split('value="public"')[1].split(">")[0]
    assert "disabled" in public
    assert "Public (not available now)" in response.text
    assert "Outsourced Operations › Shop registration" in response.text
    assert "United States" in response.text


def test_approved_partner_creates_a_draft_custom_service(approved_alice, client):
    client.force_login(approved_alice)

    response = client.post(reverse("referrals:service-create"), form_data())

    service = ShopRegistrationService.objects.get()
    assert response.status_code == 302
    assert response["Location"] == service.get_absolute_url()
    assert (service.partner, service.state, service.service_type) == (
        approved_alice,
        ServiceState.DRAFT,
        ServiceType.CUSTOM,
    )
    assert service.market.code == "US"
    assert not service.links.exists()  # the URLs come with the first publish


def test_a_public_service_is_refused(approved_alice, client):
    client.force_login(approved_alice)

    response = client.post(reverse("referrals:service-create"), form_data(service_type="public"))

    assert response.status_code == 200
    assert "not available now" in response.text
    assert not ShopRegistrationService.objects.exists()
    with pytest.raises(ValidationError):
        make_service(approved_alice, service_type="public")


def test_a_market_the_partner_is_not_approved_for_is_refused(approved_alice):
    with pytest.raises(ValidationError):
        services.create_service(
            user=approved_alice,
            category=ServiceCategory.objects.get(code=CATEGORY),
            market=Market.objects.get(code="UK"),
            name="Elsewhere",
            description="x",
            contact_email="a@example.com",
        )


def test_a_blacklisted_partner_cannot_create(approved_alice):
    approved_alice.blacklist(by=None, reason="test")

    with pytest.raises(AccountBlacklisted):
        make_service(approved_alice)


def test_app_and_service_page_offers_the_shop_registration_service(approved_alice, client):
    client.force_login(approved_alice)

    response = client.get(reverse("apps_services:app-list"))

    assert response.status_code == 200
    assert reverse("referrals:service-create") in response.text
    assert "Create shop registration service" in response.text
