import pytest

from sellers.models import KycStatus, SellerAccount, SellerType, Shop

SELLER_PASSWORD = "Seller-pass-2026!"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Seller passwords are hashed like partner ones; MD5 keeps the many hashes here quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_seller(
    *,
    email: str | None = None,
    phone: str | None = None,
    password: str = SELLER_PASSWORD,
    kyc_status: str = KycStatus.PASSED,
    shop_ids: tuple[str, ...] = (),
    region: str = "US",
) -> SellerAccount:
    account = SellerAccount(
        email=email, phone=phone, name="Seller", region=region, kyc_status=kyc_status
    )
    account.set_password(password)
    account.save()
    for shop_id in shop_ids:
        Shop.objects.create(
            account=account,
            shop_id=shop_id,
            name=f"Shop {shop_id}",
            region=region,
            seller_type=SellerType.LOCAL.shop_value,
        )
    return account
