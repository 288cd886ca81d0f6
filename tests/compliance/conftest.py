"""Compliance fixtures: developers in each kind of market, and security reviews brought to
each state through the real services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from categories.models import Center, Market, PartnerType, Region, ServiceCategory
from compliance import services as compliance
from compliance.models import ComplianceReview
from onboarding import services
from tests.conftest import make_user

ANSWERS = {
    "data_storage_location": "AWS, eu-west-2 (London), with backups in eu-west-1 (Dublin)",
    "encryption_at_rest": "AES-256 on every volume and backup; keys in AWS KMS, rotated yearly.",
    "encryption_in_transit": "TLS 1.2 or newer on every connection, HSTS on the web app.",
    "access_control": "Four engineers, SSO with hardware-key MFA, quarterly access reviews.",
    "data_retention": "Order data is deleted 90 days after a seller deauthorizes the app.",
    "third_parties": "Sentry (error reports without personal data).",
    "incident_contact_name": "Security team (Priya Shah)",
    "incident_contact_email": "security@acme.example",
    "last_penetration_test_on": timezone.localdate() - timedelta(days=60),
}


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Notifications are emailed by a Celery task; run it in-process to read mail.outbox."""
    from partner_center.celery import app as celery_app

    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def make_developer(
    user,
    *,
    region: str = "UK",
    market: str | None = None,
    kind: str = "isv",
    category: str = "isv-order-management",
):
    """Give `user` a draft developer application for (region, market)."""
    (application,) = services.start_applications(
        user=user,
        partner_type=PartnerType.objects.get(code=kind),
        region=Region.objects.get(code=region),
        markets=Market.objects.filter(code=market or region),
        categories=ServiceCategory.objects.filter(code=category),
    )
    return application


def submit_review(user, answers=None) -> ComplianceReview:
    return compliance.save_security_review(user=user, answers=answers or ANSWERS, submit=True)


def reject(review, reviewer, reason="The penetration test is older than 12 months."):
    return compliance.decide_security_review(
        review_id=review.pk, by=reviewer, approve=False, reason=reason
    )


def approve(review, reviewer):
    return compliance.decide_security_review(review_id=review.pk, by=reviewer, approve=True)


@pytest.fixture
def uk_developer(alice):
    """Alice, a UK ISV: compliance review always required."""
    make_developer(alice, region="UK")
    return alice


@pytest.fixture
def us_developer(db):
    user = make_user(email="usdev@example.com", center=Center.US)
    make_developer(user, region="US")
    return user


@pytest.fixture
def my_developer(bob):
    """Bob, a Malaysian ISV: compliance review only when a reviewer asks for it."""
    make_developer(bob, region="MY")
    return bob
