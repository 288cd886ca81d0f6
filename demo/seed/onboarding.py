"""seed_demo's onboarding part: partners with applications in every state, so the reviewer
queue has work in it and the partner pages have something to show."""

import io
from datetime import date

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from accounts.models import User
from categories.models import Market, PartnerType, Region, ServiceCategory
from demo.seed.accounts import REVIEWER, ensure_user
from onboarding import services
from onboarding.models import Application, CompanyEntity

AGENCY = {"email": "agency@example.com", "password": "Demo-agency-2026"}
CROSS_BORDER = {"email": "crossborder@example.com", "password": "Demo-crossborder-2026"}


def demo_image(text: str) -> ContentFile:
    image = Image.new("RGB", (480, 320), "white")
    ImageDraw.Draw(image).text((20, 150), text, fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return ContentFile(out.getvalue(), name="demo.png")


def fill_entity(entity: CompanyEntity, *, legal_name: str, partner_name: str) -> None:
    entity.legal_name = legal_name
    entity.legal_name_english = legal_name
    entity.legal_representative = "Demo Representative"
    entity.registered_address = "1 Demo Road"
    entity.registration_number = f"REG-{entity.user_id:06d}"
    entity.certificate_validity = "permanent"
    entity.registered_on = date(2019, 5, 1)
    entity.business_certificate = demo_image(f"Business certificate: {legal_name}")
    entity.id_document_type = "passport"
    entity.id_document = demo_image("Passport (demo)")
    entity.contact_email = entity.user.email
    entity.contact_phone = "+442071838750"
    entity.partner_name = partner_name
    entity.logo = demo_image(partner_name)
    entity.description = "A demo agency that runs LIVE sessions and short videos for sellers."
    entity.website = "https://example.com"
    entity.customer_count = "11-50"
    entity.sales_opportunities = "some"
    entity.ecommerce_platforms = ["shopee", "lazada"]
    entity.save()


def apply(user, *, partner_type: str, region: str, markets: list[str], categories: list[str]):
    applications = services.start_applications(
        user=user,
        partner_type=PartnerType.objects.get(code=partner_type),
        region=Region.objects.get(code=region),
        markets=Market.objects.filter(code__in=markets),
        categories=ServiceCategory.objects.filter(code__in=categories),
    )
    for application in applications:
        application.service_plan = "A dedicated team of account managers for this category."
        application.team_size = 12
        application.save()
    return applications


def seed_onboarding(result: dict) -> None:
    reviewer = User.objects.get(email=REVIEWER["email"])

    # A UK agency: one application approved, one pending, one not approved, one draft.
    agency = ensure_user(**AGENCY)
    if not Application.objects.filter(user=agency).exists():
        apps = apply(
            agency,
            partner_type="tsp",
            region="UK",
            markets=["UK"],
            categories=["live-management", "short-video-management", "shop-management"],
        )
        fill_entity(
            CompanyEntity.objects.get(user=agency),
            legal_name="Brightline Commerce Ltd",
            partner_name="Brightline",
        )
        for application in apps:
            services.submit_application(application_id=application.pk, by=agency)
        by_code = {a.category.code: a for a in apps}
        live, video = by_code["live-management"], by_code["short-video-management"]
        services.decide_application(application_id=live.pk, by=reviewer, approve=True)
        services.decide_application(
            application_id=video.pk,
            by=reviewer,
            approve=False,
            reason="Please add a case study showing short-video results for a seller.",
            field_reasons={"case_url": "A link to a published case study is required."},
        )
        apply(
            agency,
            partner_type="tsp",
            region="UK",
            markets=["UK"],
            categories=["seller-affiliate-management"],
        )

    # A cross-border MCN waiting for review in two markets.
    cross = ensure_user(**CROSS_BORDER)
    if not Application.objects.filter(user=cross).exists():
        apps = apply(
            cross,
            partner_type="mcn",
            region="CN",
            markets=["UK", "MY"],
            categories=["creator-management"],
        )
        fill_entity(
            CompanyEntity.objects.get(user=cross),
            legal_name="Shenzhen Starlight Media Co., Ltd.",
            partner_name="Starlight Media",
        )
        for application in apps:
            services.submit_application(application_id=application.pk, by=cross)

    result["agency"] = dict(AGENCY)
    result["cross_border"] = dict(CROSS_BORDER)
