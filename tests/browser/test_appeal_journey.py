"""SPEC §8.6, the partner's side: a blacklisted partner finds the appeal from the compliance
page, files it with a document and sees it pending; once staff lift the blacklist, the page
shows the decision and its reason, and the partner creates an app again."""

import pytest
from PIL import Image

from apps_services.models import App
from compliance import services
from compliance.models import Appeal, AppealState
from tests.browser.test_onboarding_journey import log_in
from tests.compliance.conftest import make_developer, reject, submit_review
from tests.conftest import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def documents(settings, tmp_path, live_server):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PORTAL_BASE_URL = live_server.url
    return tmp_path


def report_png(path):
    Image.new("RGB", (400, 300), (30, 140, 90)).save(path, format="PNG")
    return path


def test_blacklisted_partner_appeals_and_writes_again_after_the_lift(page, shoot, rita, documents):
    # given: a UK developer whose security review was rejected three times in a row
    partner = make_user(email="partner@example.com")
    make_developer(partner, region="UK")
    for _attempt in range(3):
        reject(submit_review(partner), rita)
    partner.refresh_from_db()
    assert partner.is_blacklisted

    # when: the partner follows the link from the compliance page and files an appeal
    log_in(page, partner.email)
    page.goto("/onboarding/compliance/")
    shoot(page, "compliance-blacklisted")
    page.get_by_role("link", name="Appeal the blacklisting").click()
    page.get_by_text("Appeal by").wait_for()
    shoot(page, "appeal-form")
    page.get_by_label("Your statement").fill(
        "We moved to a new host and passed a fresh penetration test; the report is attached."
    )
    page.locator("input[name=document]").set_input_files(report_png(documents / "report.png"))
    page.get_by_role("button", name="File appeal").click()

    # then: the appeal is pending, with its document
    page.get_by_text("Your appeal is filed.").wait_for()
    assert page.locator("#appeal-status .badge").inner_text() == "Pending"
    thumbnail = page.locator("#appeal-status img")
    thumbnail.wait_for()
    # the thumbnail is fetched after the page: wait for it to arrive, then check it decoded
    page.wait_for_function("img => img.complete", arg=thumbnail.element_handle())
    assert page.evaluate("img => img.naturalWidth", thumbnail.element_handle()) > 0
    shoot(page, "appeal-pending")
    appeal = Appeal.objects.get(account=partner)
    assert appeal.document

    # when: staff lift the blacklist
    services.decide_appeal(
        appeal_id=appeal.pk, by=rita, lift=True, reason="The new report answers our concerns."
    )

    # then: the partner reads the decision and creates an app again
    page.reload()
    assert page.locator("#appeal-status .badge").inner_text() == "Blacklist lifted"
    page.get_by_text("The new report answers our concerns.").wait_for()
    shoot(page, "appeal-lifted")
    assert Appeal.objects.get().state == AppealState.LIFTED
    page.goto("/apps/create/")
    page.get_by_label("Default name").fill("Order Sync")
    page.locator("select[name=market]").select_option(label="United Kingdom")
    page.get_by_label("Local sellers").check()
    page.get_by_label("Enable API").check()
    page.get_by_label("Redirect URL").fill("https://example.com/callback")
    page.get_by_role("button", name="Create").click()
    page.get_by_text("App created.").wait_for()
    shoot(page, "app-created")
    assert App.objects.filter(owner=partner).exists()


def test_a_reviewer_lifts_the_blacklist_with_a_reason_in_admin(page, shoot, rita, documents):
    # given: a pending appeal
    partner = make_user(email="partner@example.com")
    make_developer(partner, region="UK")
    for _attempt in range(3):
        reject(submit_review(partner), rita)
    appeal = services.file_appeal(
        by=partner, statement="We fixed everything the security team asked for."
    )

    # when: the reviewer types the reason under the appeal and presses Lift blacklist
    log_in(page, rita.email, url="/admin/login/")
    page.goto(f"/admin/compliance/appeal/{appeal.pk}/change/")
    page.get_by_label("Reason (shown to the partner)").fill("The fixes are confirmed.")
    shoot(page, "admin-appeal")
    page.get_by_role("button", name="Lift blacklist").click()

    # then
    page.get_by_text("the partner is notified").wait_for()
    shoot(page, "admin-lifted")
    appeal.refresh_from_db()
    partner.refresh_from_db()
    assert (appeal.state, appeal.decision_reason) == (
        AppealState.LIFTED,
        "The fixes are confirmed.",
    )
    assert not partner.is_blacklisted
    assert page.get_by_role("button", name="Lift blacklist").count() == 0
