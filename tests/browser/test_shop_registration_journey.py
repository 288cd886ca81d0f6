"""Issue: a partner approved for Shop registration creates the service from App & Service,
publishes it (confirming the market), copies the local URL; a seller opening it sees "Start
selling"; deactivated it is "not available"; re-published the same URL works again."""

import pytest

from categories.models import Center
from tests.conftest import PASSWORD, make_user
from tests.referrals.conftest import make_shop_partner

pytestmark = pytest.mark.browser


def log_in(page, email):
    page.goto("/account/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit], input[type=submit]").last.click()


def open_as_seller(browser, live_server, url, shoot, step):
    """A fresh browser context: no partner session, nothing cached."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    seller = context.new_page()
    response = seller.goto(url)
    shoot(seller, step)
    text = seller.locator("body").inner_text()
    context.close()
    return response.status, text


def publish(page, shoot, step):
    page.get_by_role("link", name="Publish").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert "United States" in dialog.inner_text()
    shoot(page, step)
    dialog.get_by_role("button", name="Confirm").click()
    page.locator("#service-status", has_text="On").wait_for()


def test_create_publish_copy_deactivate_republish(
    page, browser, live_server, shoot, rita, settings
):
    # A US partner (the live server answers on localhost) approved for Shop registration.
    settings.US_HOSTS = ["localhost", "127.0.0.1"]
    partner = make_user(email="partner@example.com", center=Center.US)
    make_shop_partner(partner, reviewer=rita)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    # Create from App & Service: Custom type (Public not available), the category, details.
    log_in(page, "partner@example.com")
    page.goto("/apps/")
    shoot(page, "app-and-service")
    page.get_by_role("link", name="Create shop registration service").click()
    assert page.get_by_label("Custom").is_checked()
    assert page.get_by_label("Public (not available now)").is_disabled()
    page.get_by_label("Service category").select_option(
        label="TikTok Shop Partner › Outsourced Operations › Shop registration"
    )
    page.get_by_label("Service name").fill("Prairie Shop Setup")
    page.get_by_label("Service description").fill("We open your TikTok Shop in a week.")
    page.get_by_label("Contact email for sellers").fill("hello@prairie.example")
    shoot(page, "create-form")
    page.get_by_role("button", name="Create").click()
    page.get_by_text("Service created.").wait_for()

    # Publish, confirming the target market; two URLs appear; copy the local one.
    publish(page, shoot, "publish-dialog")
    shoot(page, "published")
    page.locator("#link-local").get_by_role("button", name="Copy").click()
    page.locator("#link-local").get_by_role("button", name="Copied").wait_for()
    local_url = page.evaluate("navigator.clipboard.readText()")
    assert local_url == page.locator("#url-local").input_value()
    assert local_url.startswith(live_server.url + "/r/")
    cross_border_url = page.locator("#url-cross-border").input_value()
    assert cross_border_url != local_url

    # A seller opening the URL lands on Seller Center's "Start selling" page.
    status, text = open_as_seller(browser, live_server, local_url, shoot, "seller-start")
    assert status == 200
    assert "Start selling" in text

    # Deactivate from the "…" menu beside Target sellers, confirming on the page that says
    # what happens: the URL is not available.
    page.locator(".more-menu summary").click()
    page.get_by_role("link", name="Deactivate…").click()
    shoot(page, "deactivate-confirm")
    page.get_by_role("button", name="Deactivate").click()
    page.locator("#service-status", has_text="Off").wait_for()
    shoot(page, "deactivated")
    status, text = open_as_seller(browser, live_server, local_url, shoot, "seller-not-available")
    assert status == 410
    assert "not available" in text
    assert "Start selling" not in text

    # Re-publish: the same URLs, working again.
    publish(page, shoot, "republish-dialog")
    assert page.locator("#url-local").input_value() == local_url
    assert page.locator("#url-cross-border").input_value() == cross_border_url
    status, text = open_as_seller(browser, live_server, local_url, shoot, "seller-start-again")
    assert status == 200
    assert "Start selling" in text

    # Link management counts the two clicks that reached the seller page.
    page.get_by_role("link", name="Link management").click()
    shoot(page, "link-management")
    assert page.locator("svg[role=img]").count() == 1
