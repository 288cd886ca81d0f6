"""Issue "Developer track": a seller in-house developer signs up, verifies their Seller
Center account, gets certified, creates a custom app, publishes it once the reviewer
approves, and deactivates it; then the compliance and legal review (SPEC §3.14)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps_services.models import App, AppState
from compliance.models import ComplianceReview
from onboarding.models import Application, State
from tests.apps_services.conftest import make_developer
from tests.compliance.conftest import ANSWERS
from tests.conftest import PASSWORD, make_user
from tests.sellers.conftest import make_seller

from .test_onboarding_journey import admin_application, log_in, png

pytestmark = pytest.mark.browser

EMAIL = "dev@brightline.example"


def test_seller_developer_signs_up_gets_certified_and_publishes_an_app(
    page, browser, live_server, shoot, rita, tmp_path
):
    # Seller Center already knows this seller (KYC passed, one shop).
    make_seller(email=EMAIL, password=PASSWORD, shop_ids=("7495001122",), region="UK")

    # Sign up with the same email, and verify it.
    page.goto("/account/signup/")
    page.locator("input[name=email]").fill(EMAIL)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    shoot(page, "signup")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_text("Verify Your Email Address").first.wait_for()
    link = re.search(r"https?://\S+/account/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Business guide").wait_for()
    shoot(page, "business-guide")

    # Verify the Seller Center account (SPEC §4.6).
    page.goto("/apps/seller-verification/")
    page.get_by_label("Seller Center email or phone number").fill(EMAIL)
    page.get_by_label("Seller Center password").fill(PASSWORD)
    shoot(page, "seller-verification")
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("Your seller account is verified.").wait_for()
    assert page.locator("#tag-seller").inner_text() == "TikTok Shop seller"
    shoot(page, "profile-seller-tag")

    # Certification: Start Business for the seller in-house developer.
    page.goto("/")
    card = page.locator(".card", has_text="TikTok Shop Seller (seller in-house developer)")
    card.get_by_role("link", name="Start Business").click()
    page.get_by_label("Registration region").select_option(label="United Kingdom")
    page.get_by_label("United Kingdom").check()
    page.get_by_label("TikTok Shop Seller").check()
    shoot(page, "get-started")
    page.get_by_role("button", name="Next: fill in the information").click()

    page.locator("[name=entity-legal_name]").fill("Brightline Home Goods Ltd")
    page.locator("[name=entity-registration_number]").fill("UK-11223344")
    page.locator("[name=entity-certificate_validity][value=permanent]").check()
    page.locator("[name=entity-registered_on]").fill("2020-06-01")
    page.locator("[name=entity-business_certificate]").set_input_files(
        png(tmp_path / "certificate.png", "white")
    )
    page.locator("[name=entity-id_document_type][value=passport]").check()
    page.locator("[name=entity-id_document]").set_input_files(png(tmp_path / "id.png", "grey"))
    page.locator("[name=entity-contact_email]").fill("it@brightline.example")
    page.locator("[name=entity-contact_phone]").fill("+442071838750")
    page.locator("[name=entity-partner_name]").fill("Brightline Home")
    page.locator("[name=entity-description]").fill("We sell home goods in our own TikTok Shop.")
    page.locator("[name=entity-customer_count]").select_option("0-10")
    page.locator("[name=entity-sales_opportunities]").select_option("few")
    page.locator("textarea[name$=service_plan]").fill("An order sync for our own shop.")
    page.locator("input[name$=team_size]").fill("2")
    shoot(page, "fill-in")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Submitted.").wait_for()
    application = Application.objects.get(user__email=EMAIL)
    assert application.state == State.PENDING_REVIEW

    # A custom app with the API on.
    page.goto("/apps/create/")
    page.get_by_label("Default name").fill("Brightline Order Sync")
    page.locator("select[name=market]").select_option(label="United Kingdom")
    page.get_by_label("Local sellers").check()
    page.get_by_label("Enable API").check()
    page.get_by_label("Redirect URL").fill("https://example.com/callback")
    shoot(page, "create-app")
    page.get_by_role("button", name="Create").click()
    page.get_by_text("App created.").wait_for()
    app = App.objects.get(owner__email=EMAIL)
    assert page.locator("#app-key").input_value() == app.app_key
    shoot(page, "app-detail")

    # The secret, revealed by its owner.
    page.get_by_role("button", name="Reveal").click()
    assert app.secret_matches(page.locator("#app-secret").input_value())
    shoot(page, "secret-revealed")
    page.get_by_role("link", name="Done").click()

    # Publishing is refused until the certification is approved.
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Your developer certification is not approved yet.").first.wait_for()
    shoot(page, "publish-refused")
    app.refresh_from_db()
    assert app.state == AppState.DRAFT

    # The reviewer approves the application in admin.
    context, admin = admin_application(browser, live_server, application, shoot, "admin-detail")
    admin.get_by_role("button", name="Approve").click()
    admin.get_by_text("the partner is notified").wait_for()
    shoot(admin, "admin-approved")
    context.close()

    # Now it publishes.
    page.reload()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published.").wait_for()
    shoot(page, "published")
    app.refresh_from_db()
    assert app.state == AppState.PUBLISHED

    # Deactivate, confirmed.
    page.get_by_role("link", name="Deactivate").click()
    page.get_by_label("I understand that this app can never be online again.").check()
    shoot(page, "deactivate-confirm")
    page.get_by_role("button", name="Deactivate for good").click()
    page.get_by_text("The app is deactivated.").wait_for()
    shoot(page, "deactivated")
    app.refresh_from_db()
    assert app.state == AppState.DEACTIVATED


def test_uk_developer_requests_the_questionnaire_and_sees_the_rejection_count(
    page, browser, live_server, shoot, rita
):
    # A certified UK ISV (created directly: the journey above walks the pages).
    alice = make_user(email="alice@example.com")
    make_developer(alice, state="approved", reviewer=rita)
    log_in(page, "alice@example.com")

    # The developer menu leads to the compliance review.
    page.get_by_role("link", name="Compliance review").click()
    page.get_by_text("always required for UK partners").wait_for()
    shoot(page, "compliance")
    page.get_by_role("button", name="Request questionnaire").click()
    page.get_by_text("The questionnaire is on its way").wait_for()
    assert page.get_by_text("partner.uk@tiktokshop.com").first.is_visible()
    shoot(page, "questionnaire")

    # The security review form refuses an answer that is not in English.
    page.get_by_role("link", name="Fill in the security review").click()
    page.get_by_text("Consecutive rejections: 0 of 3").wait_for()
    fields = {k: v for k, v in ANSWERS.items() if k != "last_penetration_test_on"}
    for name, value in fields.items():
        page.locator(f"[name={name}]").fill(value)
    page.locator("[name=last_penetration_test_on]").fill(
        (timezone.localdate() - timedelta(days=90)).isoformat()
    )
    page.locator("[name=data_storage_location]").fill("阿里云北京区域")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Please answer in English").first.wait_for()
    shoot(page, "not-english")
    page.locator("[name=data_storage_location]").fill(ANSWERS["data_storage_location"])
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Submitted.").wait_for()
    review = ComplianceReview.objects.get(user=alice)
    assert review.state == "pending_review"

    # The reviewer rejects it in admin, with a reason.
    context = browser.new_context(base_url=live_server.url)
    admin = context.new_page()
    admin.goto("/admin/login/")
    admin.locator("input[name=username]").fill("rita@example.com")
    admin.locator("input[name=password]").fill(PASSWORD)
    admin.locator("input[type=submit]").click()
    admin.goto(f"/admin/compliance/compliancereview/{review.pk}/change/")
    shoot(admin, "admin-security-review")
    admin.get_by_role("link", name="Reject…").click()
    admin.locator("textarea[name=reason]").fill("Name who owns the KMS keys.")
    admin.locator("input[type=submit][value='Reject security review']").click()
    admin.get_by_text("the partner is notified").wait_for()
    shoot(admin, "admin-rejected")
    context.close()

    # The partner sees the reason and where they stand before resubmitting.
    page.goto("/onboarding/compliance/")
    page.get_by_text("Name who owns the KMS keys.").first.wait_for()
    page.get_by_text("Consecutive rejections: 1 of 3").wait_for()
    shoot(page, "rejected-1-of-3")
