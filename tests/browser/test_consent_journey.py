"""SPEC §4.7: a seller opens an app's authorization link, logs in to the Seller Center
stand-in, and authorizes (then, on a second visit, denies) the app."""

from urllib.parse import parse_qs, urlsplit

import pytest

from apps_services import services
from open_api.models import AuthCode, Authorization
from tests.apps_services.conftest import make_app, make_developer
from tests.conftest import make_user
from tests.sellers.conftest import SELLER_PASSWORD, make_seller

pytestmark = pytest.mark.browser

SHOP_ID = "7494000000009001"


@pytest.fixture
def published_app(rita, live_server, settings):
    settings.ALLOW_HTTP_LOCALHOST_REDIRECTS = True
    alice = make_user(email="alice@example.com")
    make_developer(alice, state="approved", reviewer=rita)
    app = make_app(
        alice,
        name="Order Sync",
        redirect_url=f"{live_server.url}/demo/callback",
        allow_local_http=True,
    )
    return services.publish_app(app_id=app.pk, by=alice)


def test_seller_authorizes_and_then_denies_an_app(page, shoot, published_app):
    make_seller(email="sam@shop.example", shop_ids=(SHOP_ID,))
    link = f"/open/authorize?service_id={published_app.service_id}&state=xyz"

    # The link asks for the Seller Center login first.
    page.goto(link)
    page.get_by_role("heading", name="Log in to Seller Center").wait_for()
    page.get_by_label("Email or phone number").fill("sam@shop.example")
    page.get_by_label("Password").fill(SELLER_PASSWORD)
    shoot(page, "seller-login")
    page.get_by_role("button", name="Log in").click()

    # The consent page: the app, its developer, what it may access, the shop.
    page.get_by_role("heading", name="Authorize Order Sync").wait_for()
    assert page.get_by_text("See which of your shops authorized this app").is_visible()
    assert page.get_by_label(f"Shop {SHOP_ID}", exact=False).is_checked()
    shoot(page, "consent")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url("**/demo/callback?**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == ["xyz"]
    assert AuthCode.objects.filter(used_at=None).count() == 1
    assert Authorization.objects.get().shop_id == SHOP_ID
    assert len(query["code"][0]) >= 32

    # A second visit, denied: code=null&error=auth_denied, and no new code.
    page.goto(link)
    page.get_by_role("heading", name="Authorize Order Sync").wait_for()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url("**/demo/callback?**")
    assert urlsplit(page.url).query == "code=null&error=auth_denied&state=xyz"
    assert AuthCode.objects.count() == 1

    # The seller sees the authorization in Seller Center and can revoke it.
    page.goto("/seller/authorizations/")
    page.get_by_role("cell", name="Order Sync", exact=True).wait_for()
    shoot(page, "authorized-apps")
    page.get_by_role("button", name="Revoke Order Sync").click()
    page.get_by_text("can no longer access").wait_for()
    shoot(page, "revoked")
    assert not Authorization.objects.get().is_active
