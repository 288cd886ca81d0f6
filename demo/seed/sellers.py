"""seed_demo's Seller Center part: a seller with a shop, and a partner who is also a seller."""

from demo.seed.accounts import ensure_user
from sellers.models import KycStatus, SellerAccount, SellerType, Shop

SELLER = {
    "login": "seller@example.com",
    "password": "Demo-seller-2026",
    "shop_id": "7494000000000001",
}
# The partner account and the Seller Center account share the login email and the password,
# so the demo user can run "Verify seller account" with the credentials printed for it.
SELLER_DEVELOPER = {"email": "seller-developer@example.com", "password": "Demo-seller-dev-2026"}
SELLER_DEVELOPER_SHOP_ID = "7494000000000002"


def ensure_seller(*, email: str, password: str, name: str, shop_id: str, shop_name: str) -> Shop:
    """A KYC-passed US seller with one local shop; later runs reset the password only."""
    account, _ = SellerAccount.objects.get_or_create(
        email=email, defaults={"name": name, "region": "US", "kyc_status": KycStatus.PASSED}
    )
    account.set_password(password)
    account.save(update_fields=["password"])
    shop, _ = Shop.objects.get_or_create(
        shop_id=shop_id,
        defaults={
            "account": account,
            "name": shop_name,
            "region": "US",
            "seller_type": SellerType.LOCAL.shop_value,
        },
    )
    return shop


def seed_sellers(result: dict) -> None:
    ensure_seller(
        email=SELLER["login"],
        password=SELLER["password"],
        name="Demo Seller",
        shop_id=SELLER["shop_id"],
        shop_name="Demo Seller Store",
    )
    ensure_seller(
        email=SELLER_DEVELOPER["email"],
        password=SELLER_DEVELOPER["password"],
        name="Demo Seller Developer",
        shop_id=SELLER_DEVELOPER_SHOP_ID,
        shop_name="Demo In-house Store",
    )
    # Not bound here: verifying is the step the demo user tries.
    ensure_user(**SELLER_DEVELOPER)
    result["seller"] = dict(SELLER)
    result["seller_developer"] = dict(SELLER_DEVELOPER)
