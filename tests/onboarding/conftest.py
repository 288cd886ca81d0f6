"""Onboarding fixtures: documents in a temporary private folder, complete entities, and
applications brought to each state through the real services."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from categories.models import Market, PartnerType, Region, ServiceCategory
from onboarding import services
from onboarding.models import CompanyEntity
from partner_center.celery import app as celery_app


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """With REDIS_URL set the suite would queue emails for a worker that is not running;
    these tests read mail.outbox, so they run tasks in-process like the embedded default."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def image_bytes(*, fmt: str = "PNG", size=(64, 48), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    options = {"exif": exif} if exif else {}
    Image.new("RGB", size, (200, 30, 60)).save(out, format=fmt, **options)
    return out.getvalue()


def upload(name: str = "scan.png", data: bytes | None = None, content_type="image/png"):
    return SimpleUploadedFile(name, data if data is not None else image_bytes(), content_type)


ENTITY_FIELDS = {
    "legal_name": "Acme Growth Ltd",
    "registration_number": "12345-UK",
    "certificate_validity": "permanent",
    "registered_on": date(2019, 1, 15),
    "id_document_type": "passport",
    "contact_email": "ops@acme.example",
    "contact_phone": "+442071838750",
    "partner_name": "Acme Growth",
    "description": "We run LIVE shows for fashion sellers.",
    "website": "https://acme.example",
    "customer_count": "11-50",
    "sales_opportunities": "some",
    "ecommerce_platforms": ["shopee"],
}
CROSS_BORDER_FIELDS = {
    "legal_name_english": "Acme Growth Ltd",
    "legal_representative": "Li Wei",
    "registered_address": "1 Harbour Road, Hong Kong",
}


def complete_entity(user, *, region: str = "UK") -> CompanyEntity:
    entity, _ = CompanyEntity.objects.get_or_create(
        user=user, defaults={"region": Region.objects.get(code=region)}
    )
    for name, value in {**ENTITY_FIELDS, **CROSS_BORDER_FIELDS}.items():
        setattr(entity, name, value)
    entity.business_certificate = upload("certificate.png")
    entity.id_document = upload("passport.png")
    entity.save()
    return entity


def start(
    user,
    *,
    categories=("live-management",),
    markets=("UK",),
    region="UK",
    partner_type="tsp",
):
    return services.start_applications(
        user=user,
        partner_type=PartnerType.objects.get(code=partner_type),
        region=Region.objects.get(code=region),
        markets=Market.objects.filter(code__in=markets),
        categories=ServiceCategory.objects.filter(code__in=categories),
    )


def make_application(user, *, state: str = "draft", reviewer=None, category="live-management"):
    """One application in `state`, reached through the same services the pages use."""
    (application,) = start(user, categories=[category])
    application.service_plan = "Two account managers, weekly LIVE shows."
    application.team_size = 5
    application.save()
    if state == "draft":
        return application
    if not CompanyEntity.objects.filter(user=user, approved_at__isnull=False).exists():
        complete_entity(user)
    services.submit_application(application_id=application.pk, by=user)
    if state in ("approved", "rejected"):
        services.decide_application(
            application_id=application.pk,
            by=reviewer,
            approve=state == "approved",
            reason="" if state == "approved" else "The business certificate is unreadable.",
            field_reasons=None
            if state == "approved"
            else {"entity-business_certificate": "Upload a sharper scan."},
        )
    application.refresh_from_db()
    return application
