from dataclasses import FrozenInstanceError

import pytest

from sellers.directory import (
    LocalSellerDirectory,
    SellerAccountInfo,
    SellerAlreadyExists,
    ShopInfo,
    get_directory,
)
from sellers.models import KycStatus, SellerAccount

from .conftest import SELLER_PASSWORD, make_seller

pytestmark = pytest.mark.django_db


def test_find_account_by_email_ignores_case():
    # given
    seller = make_seller(email="shop.owner@example.com")

    # when
    found = get_directory().find_account("  Shop.Owner@EXAMPLE.com ")

    # then
    assert isinstance(found, SellerAccountInfo)
    assert found.id == str(seller.pk)
    assert found.email == "shop.owner@example.com"


def test_find_account_by_phone():
    # given
    seller = make_seller(phone="+14155550123")

    # when
    found = get_directory().find_account("+14155550123")

    # then
    assert found.id == str(seller.pk)
    assert found.phone == "+14155550123"
    assert found.email is None


@pytest.mark.parametrize("login", ["nobody@example.com", "+14155550199", "not a phone", ""])
def test_find_account_returns_none_for_unknown_or_malformed_logins(login):
    # given
    make_seller(email="shop.owner@example.com", phone="+14155550123")

    # when / then
    assert get_directory().find_account(login) is None


def test_check_password_compares_with_the_stored_hash():
    # given
    seller = make_seller(email="shop.owner@example.com")
    directory = get_directory()

    # when / then
    assert SELLER_PASSWORD not in SellerAccount.objects.get(pk=seller.pk).password
    assert directory.check_password(str(seller.pk), SELLER_PASSWORD)
    assert not directory.check_password(str(seller.pk), "wrong-password")
    assert not directory.check_password("999999", SELLER_PASSWORD)
    assert not directory.check_password("not-an-id", SELLER_PASSWORD)


@pytest.mark.parametrize(
    ("status", "passed"),
    [(KycStatus.PASSED, True), (KycStatus.PENDING, False), (KycStatus.FAILED, False)],
)
def test_kyc_passed_only_for_passed_status(status, passed):
    seller = make_seller(email="shop.owner@example.com", kyc_status=status)

    assert get_directory().kyc_passed(str(seller.pk)) is passed


def test_list_shops_returns_plain_dataclasses_oldest_first():
    # given
    seller = make_seller(email="shop.owner@example.com", shop_ids=("7001", "7002"))
    make_seller(email="other@example.com", shop_ids=("8001",))

    # when
    shops = get_directory().list_shops(str(seller.pk))

    # then
    assert [shop.shop_id for shop in shops] == ["7001", "7002"]
    assert all(isinstance(shop, ShopInfo) for shop in shops)
    assert shops[0].seller_type == "LOCAL"
    assert shops[0].cipher != shops[1].cipher
    with pytest.raises(FrozenInstanceError):
        shops[0].name = "changed"


def test_create_seller_hashes_the_password_and_refuses_a_taken_login():
    # given
    directory = get_directory()

    # when
    info = directory.create_seller(
        email="New.Seller@example.com", phone=None, password="S3cret-pass", name="New", region="us"
    )

    # then
    assert info.email == "new.seller@example.com"
    assert info.region == "US"
    assert info.kyc_status == KycStatus.PENDING
    assert directory.check_password(info.id, "S3cret-pass")
    with pytest.raises(SellerAlreadyExists):
        directory.create_seller(
            email="NEW.seller@example.com", phone=None, password="x", name="Dup", region="US"
        )


class _StubDirectory(LocalSellerDirectory):
    pass


def test_get_directory_returns_the_configured_implementation(settings):
    settings.SELLER_DIRECTORY = f"{__name__}._StubDirectory"

    assert isinstance(get_directory(), _StubDirectory)
