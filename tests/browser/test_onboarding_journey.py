"""Issue: a partner applies for two categories, the reviewer rejects one in admin, the
partner fixes and resubmits, the reviewer approves, the partner sees it all."""

import io

import pytest
from PIL import Image

from onboarding.models import Application, State
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def png(path, colour):
    image = Image.new("RGB", (640, 420), colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def log_in(page, email, url="/account/login/"):
    page.goto(url)
    page.locator("input[name=login], input[name=username]").first.fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit], input[type=submit]").last.click()


def admin_application(browser, live_server, application, shoot, step):
    """The reviewer's own browser: open the application in admin."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill("rita@example.com")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.goto(f"/admin/onboarding/application/{application.pk}/change/")
    shoot(page, step)
    return context, page


def test_apply_reject_fix_resubmit_approve(page, browser, live_server, shoot, rita, tmp_path):
    make_user(email="partner@example.com")

    # The partner starts a TSP application for two categories in the UK.
    log_in(page, "partner@example.com")
    page.goto("/onboarding/get-started/?type=tsp")
    page.get_by_label("Registration region").select_option(label="United Kingdom")
    page.get_by_label("United Kingdom").check()
    page.get_by_label("Seller Service › Shop Management").check()
    page.get_by_label("Seller Service › LIVE Management").check()
    shoot(page, "get-started")
    page.get_by_role("button", name="Next: fill in the information").click()

    # Company entity info with documents, and each category's information.
    page.locator("[name=entity-legal_name]").fill("Brightline Commerce Ltd")
    page.locator("[name=entity-registration_number]").fill("UK-0987654")
    page.locator("[name=entity-certificate_validity][value=permanent]").check()
    page.locator("[name=entity-registered_on]").fill("2019-04-01")
    page.locator("[name=entity-business_certificate]").set_input_files(
        png(tmp_path / "certificate.png", "white")
    )
    page.locator("[name=entity-id_document_type][value=passport]").check()
    page.locator("[name=entity-id_document]").set_input_files(png(tmp_path / "id.png", "grey"))
    page.locator("[name=entity-contact_email]").fill("ops@brightline.example")
    page.locator("[name=entity-contact_phone]").fill("+442071838750")
    page.locator("[name=entity-partner_name]").fill("Brightline")
    page.locator("[name=entity-description]").fill("We run TikTok Shops for UK brands.")
    page.locator("[name=entity-customer_count]").select_option("11-50")
    page.locator("[name=entity-sales_opportunities]").select_option("some")
    for plan in page.locator("textarea[name$=service_plan]").all():
        plan.fill("Daily shop operations with a dedicated manager.")
    for size in page.locator("input[name$=team_size]").all():
        size.fill("12")
    shoot(page, "fill-in")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Submitted.").wait_for()
    shoot(page, "submitted")

    shop, live = (
        Application.objects.get(category__code="shop-management"),
        Application.objects.get(category__code="live-management"),
    )
    assert shop.state == live.state == State.PENDING_REVIEW

    # The reviewer rejects Shop Management with a reason and approves LIVE Management.
    context, admin = admin_application(browser, live_server, shop, shoot, "admin-detail")
    admin.get_by_role("link", name="Reject…").click()
    admin.locator("textarea[name=reason]").fill("The case link does not show shop operations.")
    shoot(admin, "admin-reject")
    admin.locator("input[type=submit][value='Reject application']").click()
    admin.goto(f"/admin/onboarding/application/{live.pk}/change/")
    admin.get_by_role("button", name="Approve").click()
    shoot(admin, "admin-approved")

    # The partner sees the reason behind "Fix it / Modify", fixes and resubmits.
    page.goto("/my-account/profile/?tab=categories")
    page.get_by_text("Not approved").first.wait_for()
    shoot(page, "categories-tab")
    page.get_by_role("link", name="Fix it / Modify").click()
    page.get_by_text("The case link does not show shop operations.").first.wait_for()
    shoot(page, "fix-it")
    page.locator("input[name$=case_url]").fill("https://brightline.example/cases/shop-ops")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Submitted.").wait_for()
    shop.refresh_from_db()
    assert shop.state == State.PENDING_REVIEW

    # The reviewer approves the resubmission.
    admin.goto(f"/admin/onboarding/application/{shop.pk}/change/")
    admin.get_by_role("button", name="Approve").click()
    shoot(admin, "admin-approved-resubmission")
    context.close()
    shop.refresh_from_db()
    assert shop.state == State.APPROVED

    # The partner sees the notifications and the new role in the switcher.
    page.goto("/onboarding/notifications/")
    shoot(page, "notifications")
    assert page.get_by_text("approved").count() >= 1
    switcher = page.locator("form[action$='/onboarding/role/'] select")
    assert "Seller Service Partner" in switcher.inner_text()
    shoot(page, "role-switcher")
