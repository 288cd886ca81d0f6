import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps_services.services import verify_seller_developer
from sellers.directory import get_directory
from sellers.models import SellerAccount
from tests.conftest import make_user

from .conftest import SELLER_PASSWORD, make_seller


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user(email="ops@example.com", is_staff=True, is_superuser=True))
    return client


def test_admin_adds_a_seller_with_a_hashed_password_and_a_shop(admin_client):
    # when
    response = admin_client.post(
        reverse("admin:sellers_selleraccount_add"),
        {
            "email": "New@Example.com",
            "phone": "",
            "new_password": "Typed-pass-1",
            "name": "New Seller",
            "region": "us",
            "kyc_status": "passed",
            "shops-TOTAL_FORMS": "1",
            "shops-INITIAL_FORMS": "0",
            "shops-0-shop_id": "7100",
            "shops-0-name": "New Shop",
            "shops-0-region": "US",
            "shops-0-seller_type": "LOCAL",
        },
    )

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    account = SellerAccount.objects.get(email="new@example.com")
    assert account.region == "US"
    assert account.password != "Typed-pass-1"
    assert get_directory().check_password(str(account.pk), "Typed-pass-1")
    assert account.shops.get().cipher


def test_admin_change_page_never_shows_the_hash_and_blank_keeps_the_password(admin_client):
    # given
    seller = make_seller(email="kept@example.com", shop_ids=("7200",))
    url = reverse("admin:sellers_selleraccount_change", args=[seller.pk])

    # when
    page = admin_client.get(url)
    admin_client.post(
        url,
        {
            "email": "kept@example.com",
            "phone": "",
            "new_password": "",
            "name": "Renamed",
            "region": "US",
            "kyc_status": "passed",
            "shops-TOTAL_FORMS": "1",
            "shops-INITIAL_FORMS": "1",
            "shops-0-id": str(seller.shops.get().pk),
            "shops-0-account": str(seller.pk),
            "shops-0-shop_id": "7200",
            "shops-0-name": "Shop 7200",
            "shops-0-region": "US",
            "shops-0-seller_type": "LOCAL",
        },
    )

    # then
    assert seller.password not in page.text
    seller.refresh_from_db()
    assert seller.name == "Renamed"
    assert seller.check_password(SELLER_PASSWORD)


def test_seed_demo_is_idempotent_and_its_seller_developer_can_verify(db):
    # given
    call_command("seed_demo", "--json", stdout=StringIO())
    out = StringIO()

    # when
    call_command("seed_demo", "--json", stdout=out)

    # then
    result = json.loads(out.getvalue())
    directory = get_directory()
    seller = directory.find_account(result["seller"]["login"])
    assert directory.check_password(seller.id, result["seller"]["password"])
    assert directory.kyc_passed(seller.id)
    assert [s.shop_id for s in directory.list_shops(seller.id)] == [result["seller"]["shop_id"]]
    assert directory.list_shops(seller.id)[0].seller_type == "LOCAL"
    assert SellerAccount.objects.real().count() == 2

    developer = result["seller_developer"]
    from accounts.models import User

    partner = User.objects.get(email=developer["email"])
    binding = verify_seller_developer(
        user=partner, login=developer["email"], password=developer["password"]
    )
    assert binding.own_shop_id
