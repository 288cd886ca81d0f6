"""seed_demo's apps part: an approved developer with a published custom app (SPEC §7).

The onboarding demo approves no developer application, so this step brings its own
developer, certified through the real onboarding transitions.
"""

from accounts.models import User
from apps_services import services
from apps_services.models import App, AppState, AppType
from categories.models import Market, ServiceCategory
from demo.seed.accounts import REVIEWER, ensure_user
from demo.seed.onboarding import apply, fill_entity
from onboarding import services as onboarding
from onboarding.models import Application, CompanyEntity, State
from sellers.models import SellerType

DEVELOPER = {"email": "developer@example.com", "password": "Demo-developer-2026"}
APP_NAME = "Demo Order Sync"
# http on 127.0.0.1 is accepted because this is the local demo (allow_local_http below);
# partners' apps need https.
REDIRECT_URL = "http://127.0.0.1:8000/demo/callback"
CATEGORY = "isv-order-management"
MARKET = "UK"


def _certified_developer(reviewer):
    developer = ensure_user(**DEVELOPER)
    if not Application.objects.filter(user=developer).exists():
        (application,) = apply(
            developer, partner_type="isv", region="UK", markets=[MARKET], categories=[CATEGORY]
        )
        fill_entity(
            CompanyEntity.objects.get(user=developer),
            legal_name="Northwind Software Ltd",
            partner_name="Northwind Apps",
        )
        onboarding.submit_application(application_id=application.pk, by=developer)
    pending = Application.objects.filter(user=developer, state=State.PENDING_REVIEW)
    for application in pending:
        onboarding.decide_application(application_id=application.pk, by=reviewer, approve=True)
    return developer


def seed_apps(result: dict) -> None:
    reviewer = User.objects.get(email=REVIEWER["email"])
    developer = _certified_developer(reviewer)
    app = App.objects.filter(owner=developer, name=APP_NAME).first()
    if app is None:
        app = services.create_app(
            user=developer,
            app_type=AppType.CUSTOM,
            category=ServiceCategory.objects.get(code=CATEGORY),
            name=APP_NAME,
            market=Market.objects.get(code=MARKET),
            seller_type=SellerType.LOCAL,
            api_enabled=True,
            redirect_url=REDIRECT_URL,
            allow_local_http=True,
        )
    if app.state == AppState.DRAFT:
        app = services.publish_app(app_id=app.pk, by=developer)
    # The demo prints the secret so a developer can try the API: an audited reveal like any.
    secret = services.reveal_app_secret(app_id=app.pk, by=developer, ip=None)
    base_url = result.get("base_url", "http://127.0.0.1:8000").rstrip("/")
    result["developer"] = dict(DEVELOPER)
    result["app"] = {
        "app_key": app.app_key,
        "app_secret": secret,
        "service_id": app.service_id,
        "authorization_url": base_url + app.authorization_path(),
        "redirect_url": app.redirect_url,
    }
    # What a developer needs to try the Open API by hand (README › "Try the Open API").
    result["open_api"] = {
        "authorize_as": "the seller login above (Seller Center stand-in)",
        "seller_center": f"{base_url}/seller/login/",
        "token_get": f"{base_url}/api/v2/token/get?app_key={app.app_key}"
        "&app_secret=<app secret>&auth_code=<code>&grant_type=authorized_code",
        "authorized_shops": f"{base_url}/authorization/202309/shops",
        "reference": f"{base_url}/open/openapi.json",
    }
