"""Apps fixtures: developers brought to each onboarding state through the real services,
and apps created through `services.create_app`."""

import pytest

from apps_services import services
from apps_services.models import App, AppType
from categories.models import Market, PartnerType, Region, ServiceCategory
from onboarding import services as onboarding
from sellers.models import SellerType
from tests.onboarding.conftest import complete_entity

ISV_CATEGORY = "isv-order-management"
SELLER_CATEGORY = "tiktok-shop-seller"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def make_developer(user, *, kind: str = "isv", state: str = "draft", reviewer=None):
    """Give `user` a developer application (ISV or seller in-house) in `state`."""
    category = ISV_CATEGORY if kind == "isv" else SELLER_CATEGORY
    (application,) = onboarding.start_applications(
        user=user,
        partner_type=PartnerType.objects.get(code=kind),
        region=Region.objects.get(code="UK"),
        markets=Market.objects.filter(code="UK"),
        categories=ServiceCategory.objects.filter(code=category),
    )
    application.service_plan = "We build order sync for sellers."
    application.team_size = 4
    application.save()
    if state == "draft":
        return application
    complete_entity(user)
    onboarding.submit_application(application_id=application.pk, by=user)
    if state == "approved":
        onboarding.decide_application(application_id=application.pk, by=reviewer, approve=True)
    application.refresh_from_db()
    return application


def make_app(
    user,
    *,
    app_type: str = AppType.CUSTOM,
    category: str = ISV_CATEGORY,
    name: str = "Order Sync",
    **extra,
) -> App:
    fields = {
        "api_enabled": True,
        "redirect_url": "https://example.com/callback",
        "seller_type": SellerType.LOCAL,
        **extra,
    }
    return services.create_app(
        user=user,
        app_type=app_type,
        category=ServiceCategory.objects.get(code=category),
        name=name,
        market=Market.objects.get(code="UK"),
        **fields,
    )


@pytest.fixture
def certified_alice(alice, rita):
    """Alice, an ISV whose developer application is approved."""
    make_developer(alice, state="approved", reviewer=rita)
    return alice
