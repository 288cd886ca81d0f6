"""The developer console end to end, in a browser: a developer creates a sandbox test shop,
authorizes their (not yet published) app from it through the real consent page, calls the
Open API for it with the API testing tool, and finds that very call in the API call log by
its request id. On a desktop and on a 390 px phone."""

from urllib.parse import parse_qs, urlsplit

import pytest

from open_api.models import ApiCall, Authorization
from sellers.models import SellerAccount
from tests.apps_services.conftest import make_app, make_developer
from tests.browser.test_notification_journey import log_in
from tests.conftest import make_user
from tests.open_api.conftest import _private_media  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def alices_app(rita, live_server, settings):
    settings.ALLOW_HTTP_LOCALHOST_REDIRECTS = True
    alice = make_user(email="alice@example.com")
    make_developer(alice, state="approved", reviewer=rita)
    # Never published: a test shop may authorize its developer's app before any seller can.
    return make_app(alice, name="Order Sync", redirect_url=f"{live_server.url}/demo/callback")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_test_shop_to_api_call_to_call_log(page, shoot, alices_app, viewport):
    page.set_viewport_size(viewport)
    log_in(page, "alice@example.com")
    page.wait_for_url("**/")

    # 1. Create a test shop from the app's Test shops tab: the login is shown once.
    page.goto(f"/apps/{alices_app.pk}/test-shops/")
    page.get_by_label("Test shop name").fill("Sandbox Store")
    page.get_by_role("button", name="Create test shop").click()
    page.get_by_role("heading", name="Test shop Sandbox Store created").wait_for()
    account = SellerAccount.objects.get(test_owner=alices_app.owner)
    assert page.locator("#test-login").input_value() == account.email
    assert account.check_password(page.locator("#test-password").input_value())
    shoot(page, "test-shop-created")

    # 2. Authorize this app from it, through the real consent page, to the Redirect URL.
    page.goto(f"/apps/{alices_app.pk}/test-shops/")
    assert page.get_by_text("Not authorized").is_visible()
    page.get_by_role("button", name="Authorize this app").click()
    page.get_by_role("heading", name="Authorize Order Sync").wait_for()
    assert page.locator("main .badge", has_text="TEST").first.is_visible()
    shoot(page, "consent")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url("**/demo/callback?**")
    query = parse_qs(urlsplit(page.url).query)
    assert len(query["code"][0]) >= 32
    authorization = Authorization.objects.get(app=alices_app)
    assert authorization.shop_name == "Sandbox Store"
    assert authorization.is_active

    # 3. The API testing tool lists the shop's authorization and calls the API for it.
    page.goto(f"/apps/{alices_app.pk}/api-testing/")
    shop = page.get_by_label("Authorized shop")
    assert "Sandbox Store" in shop.inner_text()
    assert "TEST" in shop.inner_text()
    shoot(page, "testing-tool")
    page.get_by_role("button", name="Send request").click()
    response = page.locator("#testing-response")
    response.wait_for()
    assert '"code": 0' in response.inner_text()
    assert "Sandbox Store" in response.inner_text()
    request_id = page.locator("#result-title ~ dl a code").inner_text()
    assert len(request_id) >= 16
    shoot(page, "testing-tool-answer")

    # 4. Its request id leads to that very call in the API call log.
    page.locator("#result-title ~ dl a").click()
    page.wait_for_url(f"**/apps/{alices_app.pk}/api-calls/?request_id={request_id}")
    row = page.locator("table tbody tr", has_text=request_id)
    row.wait_for()
    assert "/authorization/202309/shops" in row.inner_text()
    shoot(page, "call-log")
    call = ApiCall.objects.get(request_id=request_id)
    assert (call.app_id, call.status, call.code) == (alices_app.pk, 200, 0)
    assert call.shop_id == authorization.shop_id

    # Nothing on the way scrolled sideways (a phone included).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
