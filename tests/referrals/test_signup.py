"""SPEC §5.5: a seller who signs up through a link is attributed to its partner and link."""

from django.urls import reverse

from categories.models import Region
from referrals.models import ReferralSignup
from sellers.directory import get_directory
from sellers.models import SellerType

from .conftest import make_service, publish

SELLER = {
    "email": "new-seller@example.com",
    "phone": "",
    "name": "Sunrise Candles",
    "region": "CN",
    "password": "Candle-wax-2026!",
}


def sign_up_through(client, link, **extra):
    landing = client.get(link.get_absolute_url(), follow=True)
    assert "Start selling" in landing.text
    form_url = f"{reverse('referrals:seller-signup')}?ref={link.token}"
    assert form_url in landing.text
    assert f'value="{link.token}"' in client.get(form_url).text
    return client.post(form_url, {**SELLER, "ref": link.token, **extra})


def test_seller_sign_up_is_attributed_to_the_right_partner_and_link(
    alice_service, approved_bob, client, django_capture_on_commit_callbacks
):
    # given: bob has a published service too
    with django_capture_on_commit_callbacks(execute=True):
        bob_service = publish(make_service(approved_bob, name="Bob's Shop Launch"))
    link = alice_service.links.get(seller_type=SellerType.CROSS_BORDER)

    # when
    response = sign_up_through(client, link)

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:seller-welcome")
    account = get_directory().find_account(SELLER["email"])
    assert account is not None
    assert account.region == "CN"
    signup = ReferralSignup.objects.get()
    assert signup.seller_account_id == account.id
    assert signup.link == link
    assert signup.link.service.partner == alice_service.partner
    assert not ReferralSignup.objects.filter(link__service=bob_service).exists()


def test_local_link_prefills_the_market_as_region(alice_service, client):
    link = alice_service.links.get(seller_type=SellerType.LOCAL)

    page = client.get(f"{reverse('referrals:seller-signup')}?ref={link.token}").text

    assert '<option value="US" selected>' in page


def test_sign_up_after_deactivation_is_not_attributed(
    alice_service, client, django_capture_on_commit_callbacks
):
    # given: the seller opened the form while the service was on
    from referrals import services

    link = alice_service.links.get(seller_type=SellerType.LOCAL)
    with django_capture_on_commit_callbacks(execute=True):
        services.deactivate_service(service_id=alice_service.pk, by=alice_service.partner)

    # when
    response = client.post(reverse("referrals:seller-signup"), {**SELLER, "ref": link.token})

    # then: the seller exists, nobody is credited
    assert response.status_code == 302
    assert get_directory().find_account(SELLER["email"]) is not None
    assert not ReferralSignup.objects.exists()


def test_a_seller_is_attributed_once(alice_service, client):
    link = alice_service.links.get(seller_type=SellerType.LOCAL)
    sign_up_through(client, link)

    again = client.post(reverse("referrals:seller-signup"), {**SELLER, "ref": link.token})

    assert again.status_code == 200
    assert "already has a Seller Center account" in again.text
    assert ReferralSignup.objects.count() == 1


def test_a_forged_ref_attributes_nothing(alice_service, client):
    response = client.post(reverse("referrals:seller-signup"), {**SELLER, "ref": "forged"})

    assert response.status_code == 302
    assert not ReferralSignup.objects.exists()


def test_sign_up_needs_a_strong_password(alice_service, client):
    link = alice_service.links.get(seller_type=SellerType.LOCAL)

    response = client.post(
        reverse("referrals:seller-signup"), {**SELLER, "ref": link.token, "password": "123"}
    )

    assert response.status_code == 200
    assert get_directory().find_account(SELLER["email"]) is None


def test_sign_up_offers_the_catalog_regions(client, db):
    response = client.get("/seller/start/signup/")

    choices = response.context["form"].fields["region"].choices
    assert [code for code, _name in choices] == list(Region.objects.values_list("code", flat=True))
    assert ("CN", "Chinese mainland") in choices
