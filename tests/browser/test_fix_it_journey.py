"""Issue 11: a rejected partner reaches "Fix it" from the email and from the in-app
notification, sees each reviewer's note beside its field, resubmits and is approved; a
document survives a validation error; a login on the wrong center links to the right one."""

import re
import time

import pytest
from django.core import mail

from onboarding.models import Application, CompanyEntity, State
from tests.browser.test_onboarding_journey import admin_application, log_in, png
from tests.conftest import make_user
from tests.onboarding.conftest import make_application

pytestmark = pytest.mark.browser


@pytest.fixture
def documents(settings, tmp_path, live_server):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PORTAL_BASE_URL = live_server.url
    return tmp_path


def reject_in_admin(browser, live_server, application, shoot):
    """The reviewer rejects with a reason and a note on two fields."""
    context, admin = admin_application(browser, live_server, application, shoot, "admin-detail")
    admin.get_by_role("link", name="Reject…").click()
    admin.locator("textarea[name=reason]").fill("Two details need fixing.")
    admin.locator("input[name='field__entity-website']").fill("The website does not load.")
    admin.locator("input[name='field__case_url']").fill("Link a case of shop operations.")
    shoot(admin, "admin-reject")
    admin.locator("input[type=submit][value='Reject application']").click()
    admin.get_by_text("Not approved").first.wait_for()
    return context, admin


def rejection_email_link(email: str) -> str:
    for _ in range(50):
        for message in mail.outbox:
            if message.to == [email] and "not approved" in message.body.lower():
                return re.search(r"https?://\S+/onboarding/applications/\d+/", message.body)[0]
        time.sleep(0.1)
    raise AssertionError("no rejection email")


def fix_and_resubmit(page, shoot):
    """On Fix it: each note beside its field; correct both and resubmit."""
    website = page.locator(".field-noted", has=page.locator("[name=entity-website]"))
    website.get_by_text("The website does not load.").wait_for()
    case = page.locator(".field-noted", has=page.locator("input[name$=case_url]"))
    case.get_by_text("Link a case of shop operations.").wait_for()
    described = page.locator("[name=entity-website]").get_attribute("aria-describedby")
    assert "id_entity-website_review" in described.split()
    shoot(page, "fix-it-notes-beside-fields")
    page.locator("[name=entity-website]").fill("https://acme.example/about")
    page.locator("input[name$=case_url]").fill("https://acme.example/cases/shop-ops")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Submitted.").wait_for()
    shoot(page, "resubmitted")


def approve_in_admin(admin, application, shoot):
    admin.goto(f"/admin/onboarding/application/{application.pk}/change/")
    admin.get_by_role("button", name="Approve").click()
    admin.get_by_text("Approved").first.wait_for()
    shoot(admin, "admin-approved")
    application.refresh_from_db()
    assert application.state == State.APPROVED


def test_rejection_email_link_leads_to_fix_it_and_approval(
    page, browser, live_server, shoot, rita, documents
):
    # given: an application under review
    partner = make_user(email="partner@example.com")
    application = make_application(partner, state="pending_review")
    context, admin = reject_in_admin(browser, live_server, application, shoot)

    # when: the partner opens the link in the rejection email
    log_in(page, partner.email)
    page.goto(rejection_email_link(partner.email))

    # then: the detail page shows the notes beside the facts, and Fix it beside them
    website = page.locator("dd", has_text="The website does not load.")
    website.wait_for()
    shoot(page, "email-link-detail")
    page.get_by_role("link", name="Fix it").click()
    fix_and_resubmit(page, shoot)
    application.refresh_from_db()
    assert application.state == State.PENDING_REVIEW
    approve_in_admin(admin, application, shoot)
    context.close()


def test_in_app_notification_leads_to_fix_it_and_approval(
    page, browser, live_server, shoot, rita, documents
):
    # given
    partner = make_user(email="partner@example.com")
    application = make_application(partner, state="pending_review")
    context, admin = reject_in_admin(browser, live_server, application, shoot)

    # when: the partner opens the notification in the portal
    log_in(page, partner.email)
    page.goto("/onboarding/notifications/")
    shoot(page, "notifications")
    page.locator(".notifications").get_by_text(re.compile("^Not approved:")).first.click()
    page.wait_for_url(f"**/onboarding/applications/{application.pk}/")
    page.get_by_role("link", name="Fix it").click()

    # then
    fix_and_resubmit(page, shoot)
    approve_in_admin(admin, application, shoot)
    context.close()


def test_a_document_survives_a_validation_error_and_submit_needs_no_reupload(
    page, live_server, shoot, documents
):
    # given: a draft application
    partner = make_user(email="partner@example.com")
    application = make_application(partner)
    log_in(page, partner.email)
    page.goto(f"/onboarding/applications/{application.pk}/edit/")
    shoot(page, "sections")
    steps = page.locator("ol.form-steps a")
    assert steps.all_inner_texts() == [
        "Business information",
        "Identity",
        "Name & logo",
        "Contact",
        "More about yourself",
    ]

    # when: documents are chosen but the email is wrong
    page.locator("[name=entity-legal_name]").fill("Brightline Commerce Ltd")
    page.locator("[name=entity-registration_number]").fill("UK-0987654")
    page.locator("[name=entity-certificate_validity][value=appointed]").check()
    assert page.locator("[name=entity-certificate_expires_on]").is_visible()
    page.locator("[name=entity-certificate_validity][value=permanent]").check()
    assert page.locator("[name=entity-certificate_expires_on]").is_hidden()
    page.locator("[name=entity-registered_on]").fill("2019-04-01")
    page.locator("[name=entity-business_certificate]").set_input_files(
        png(documents / "certificate.png", "white")
    )
    page.locator("[name=entity-id_document_type][value=passport]").check()
    page.locator("[name=entity-id_document]").set_input_files(png(documents / "id.png", "grey"))
    page.locator("[name=entity-contact_email]").fill("not-an-email")
    page.locator("[name=entity-contact_phone]").fill("+442071838750")
    page.locator("[name=entity-partner_name]").fill("Brightline")
    page.locator("[name=entity-description]").fill("We run TikTok Shops for UK brands.")
    page.locator("[name=entity-customer_count]").select_option("11-50")
    page.locator("[name=entity-sales_opportunities]").select_option("some")
    page.get_by_role("button", name="Submit").click()

    # then: the error is shown and both documents are still there, with their thumbnails
    page.get_by_text("Enter a valid email address.").first.wait_for()
    for name, file_name in (("business_certificate", "certificate.png"), ("id_document", "id.png")):
        kept = page.locator(f"#id_entity-{name}_kept")
        kept.get_by_text(file_name).wait_for()
        thumbnail = kept.locator("img.kept-file-thumbnail")
        thumbnail.wait_for()
        # The image may still be loading: wait for it to load (or fail to), then judge it.
        thumbnail.evaluate(
            "img => img.complete || new Promise(done => { "
            "img.addEventListener('load', done); img.addEventListener('error', done); })"
        )
        assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    shoot(page, "documents-kept-after-error")

    # when: the email is corrected and the form submitted without choosing the files again
    page.locator("[name=entity-contact_email]").fill("ops@brightline.example")
    page.get_by_role("button", name="Submit").click()

    # then
    page.get_by_text("Submitted.").wait_for()
    shoot(page, "submitted")
    application.refresh_from_db()
    assert application.state == State.PENDING_REVIEW
    entity = CompanyEntity.objects.get(user=partner)
    assert entity.business_certificate
    assert entity.id_document
    assert Application.objects.filter(user=partner).count() == 1


def test_wrong_center_login_links_to_the_right_center(page, live_server, shoot, settings):
    # given: an account of the US center
    settings.US_HOSTS = ["us.localhost"]
    make_user(email="usa@example.com", center="us")

    # when: it signs in on the Global center
    log_in(page, "usa@example.com")

    # then: a link to the US center's login, which works
    message = page.get_by_text("This account belongs to the US Partner Center")
    message.wait_for()
    shoot(page, "wrong-center")
    page.get_by_role("link", name="Sign in to the US Partner Center").click()
    page.wait_for_url(re.compile(r"^http://us\.localhost:\d+/account/login/"))
    log_in(page, "usa@example.com", url=page.url)
    page.wait_for_url(re.compile(r"^http://us\.localhost:\d+/$"))
    shoot(page, "us-center-dashboard")
    assert page.locator(".center-badge").inner_text() == "US"
