"""Referral fixtures: US partners (alice, bob) approved for Outsourced Operations › Shop
registration through the real onboarding services, and services made by referrals.services.

Clicks are counted in the database unless a test asks for `redis_counter`, so the suite
behaves the same with and without REDIS_URL.
"""

import pytest

from categories.models import Center, Market, PartnerType, Region, ServiceCategory
from onboarding import services as onboarding
from referrals import services, tracking
from referrals.models import ShopRegistrationService
from tests.conftest import make_user
from tests.onboarding.conftest import complete_entity

CATEGORY = "outsourced-shop-registration"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _database_counter(settings):
    settings.REFERRAL_CLICK_COUNTER = "database"


@pytest.fixture
def redis_counter(settings):
    """Count clicks in the real Redis at REDIS_URL (the test is skipped without one)."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no real Redis to count clicks in")
    settings.REFERRAL_CLICK_COUNTER = "redis"
    settings.REFERRAL_CLICKS_REDIS_URL = settings.REDIS_URL
    client = tracking.redis_client()
    keys = [tracking.PENDING_KEY, tracking.OPEN_BATCHES_KEY]
    keys += client.keys(tracking.batch_key("*")) + client.keys(f"{tracking.KEY_PREFIX}:token:*")
    client.delete(*keys)
    yield client
    client.delete(tracking.PENDING_KEY, tracking.OPEN_BATCHES_KEY)


@pytest.fixture
def alice(db):
    return make_user(email="alice@example.com", center=Center.US)


@pytest.fixture
def bob(db):
    return make_user(email="bob@example.com", center=Center.US)


def make_shop_partner(user, *, state: str = "approved", reviewer=None):
    """Give `user` an Outsourced Operations › Shop registration application in `state`."""
    (application,) = onboarding.start_applications(
        user=user,
        partner_type=PartnerType.objects.get(code="tsp"),
        region=Region.objects.get(code="US"),
        markets=Market.objects.filter(code="US"),
        categories=ServiceCategory.objects.filter(code=CATEGORY),
    )
    application.service_plan = "We register sellers' shops and get them selling."
    application.team_size = 5
    application.save()
    if state == "draft":
        return application
    complete_entity(user, region="US")
    onboarding.submit_application(application_id=application.pk, by=user)
    if state == "approved":
        onboarding.decide_application(application_id=application.pk, by=reviewer, approve=True)
    application.refresh_from_db()
    return application


def make_service(user, *, name: str = "Prairie Shop Setup", **extra) -> ShopRegistrationService:
    fields = {
        "description": "We open your TikTok Shop in a week.",
        "contact_email": "hello@prairie.example",
        **extra,
    }
    return services.create_service(
        user=user,
        category=ServiceCategory.objects.get(code=CATEGORY),
        market=Market.objects.get(code="US"),
        name=name,
        **fields,
    )


def publish(service) -> ShopRegistrationService:
    return services.publish_service(service_id=service.pk, by=service.partner)


@pytest.fixture
def approved_alice(alice, rita):
    make_shop_partner(alice, reviewer=rita)
    return alice


@pytest.fixture
def approved_bob(bob, rita):
    make_shop_partner(bob, reviewer=rita)
    return bob


@pytest.fixture
def alice_service(approved_alice, django_capture_on_commit_callbacks):
    """Alice's published service (on-commit work, the cache refresh, has run)."""
    with django_capture_on_commit_callbacks(execute=True):
        return publish(make_service(approved_alice))
