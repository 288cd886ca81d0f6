"""seed_demo's sandbox part (SPEC §9.1): a test shop of the demo developer, which can
authorize the demo app through the consent page like any seller."""

from accounts.models import User
from apps_services.models import App
from demo.seed.apps_services import APP_NAME, DEVELOPER
from sellers.models import KycStatus, SellerAccount, SellerType, Shop

# Fixed, like the other demo logins, so the printed password always works. The login is on
# the test accounts' reserved domain, like every generated test login.
TEST_SHOP = {
    "login": "demo-test-shop@sandbox.invalid",
    "password": "Demo-test-shop-2026",
    "shop_id": "9000000000000001",
}


def seed_sandbox(result: dict) -> None:
    developer = User.objects.get(email=DEVELOPER["email"])
    app = App.objects.select_related("market").get(owner=developer, name=APP_NAME)
    account, _ = SellerAccount.objects.get_or_create(
        email=TEST_SHOP["login"],
        defaults={
            "name": "Demo Test Shop",
            "region": app.market.code,
            "kyc_status": KycStatus.PASSED,
            "test_owner": developer,
        },
    )
    account.set_password(TEST_SHOP["password"])
    account.save(update_fields=["password"])
    Shop.objects.get_or_create(
        shop_id=TEST_SHOP["shop_id"],
        defaults={
            "account": account,
            "name": "Demo Test Shop",
            "region": app.market.code,
            "seller_type": SellerType(app.seller_type).shop_value,
        },
    )
    result["test_shop"] = dict(TEST_SHOP)
