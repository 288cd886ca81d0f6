"""seed_demo's shop registration part: a US partner approved for Outsourced Operations ›
Shop registration, with a published service and its two URLs (SPEC §5, §7)."""

from accounts.models import User
from categories.models import Center, Market, ServiceCategory
from demo.seed.accounts import REVIEWER, ensure_user
from demo.seed.onboarding import apply, fill_entity
from onboarding import services as onboarding
from onboarding.models import Application, CompanyEntity, State
from referrals import services
from referrals.models import ServiceState, ShopRegistrationService

SHOP_PARTNER = {"email": "shop-partner@example.com", "password": "Demo-shop-partner-2026"}
SERVICE_NAME = "Demo Shop Registration"
CATEGORY = "outsourced-shop-registration"
MARKET = "US"


def _approved_partner(reviewer):
    partner = ensure_user(**SHOP_PARTNER, center=Center.US)
    if not Application.objects.filter(user=partner).exists():
        (application,) = apply(
            partner, partner_type="tsp", region="US", markets=[MARKET], categories=[CATEGORY]
        )
        fill_entity(
            CompanyEntity.objects.get(user=partner),
            legal_name="Prairie Commerce LLC",
            partner_name="Prairie Commerce",
        )
        onboarding.submit_application(application_id=application.pk, by=partner)
    for application in Application.objects.filter(user=partner, state=State.PENDING_REVIEW):
        onboarding.decide_application(application_id=application.pk, by=reviewer, approve=True)
    return partner


def seed_referrals(result: dict) -> None:
    reviewer = User.objects.get(email=REVIEWER["email"])
    partner = _approved_partner(reviewer)
    service = ShopRegistrationService.objects.filter(partner=partner, name=SERVICE_NAME).first()
    if service is None:
        service = services.create_service(
            user=partner,
            category=ServiceCategory.objects.get(code=CATEGORY),
            market=Market.objects.get(code=MARKET),
            name=SERVICE_NAME,
            description="We register your TikTok Shop and get you selling within a week.",
            contact_email=SHOP_PARTNER["email"],
        )
    if service.state != ServiceState.ON:
        service = services.publish_service(service_id=service.pk, by=partner)
    base_url = result.get("base_url", "http://127.0.0.1:8000").rstrip("/")
    urls = {link.seller_type: base_url + link.get_absolute_url() for link in service.links.all()}
    result["shop_partner"] = dict(SHOP_PARTNER)
    result["shop_registration"] = {
        "local_url": urls["local"],
        "cross_border_url": urls["cross_border"],
    }
