"""Issue 11, defect 1: the referral journey to the effect the partner came for. A seller opens
the partner's link, presses Start selling, signs up; the partner's link management page then
counts the click and the sign-up and shows the conversion. On a desktop and on a phone.

The seller's POST must carry the page's real Origin: with `no-referrer` on the seller pages,
Chromium sent `Origin: null` and Django refused every sign-up."""

import re

import pytest
from django.urls import reverse

from categories.models import Center
from referrals.models import ReferralSignup
from sellers.models import SellerType
from tests.conftest import make_user
from tests.referrals.conftest import make_service, make_shop_partner, publish

from .test_shop_registration_journey import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_seller_signs_up_through_the_link_and_the_partner_sees_the_conversion(
    page, browser, live_server, shoot, rita, settings, viewport
):
    # given: a US partner approved for Shop registration, with a published service
    settings.US_HOSTS = ["localhost", "127.0.0.1"]
    settings.REFERRAL_CLICK_COUNTER = "database"  # counted at once, no flush to wait for
    partner = make_user(email="partner@example.com", center=Center.US)
    make_shop_partner(partner, reviewer=rita)
    service = publish(make_service(partner))
    link = service.links.get(seller_type=SellerType.LOCAL)
    url = live_server.url + link.get_absolute_url()

    # when: the seller opens the link in a browser of their own
    options = {"viewport": viewport, "is_mobile": True, "has_touch": True} if viewport else {}
    context = browser.new_context(base_url=live_server.url, locale="en-US", **options)
    seller = context.new_page()
    seller.set_default_timeout(15_000)
    seller.goto(url)
    seller.get_by_role("heading", name="Start selling on TikTok Shop").wait_for()
    assert "Invited by Acme Growth" in seller.locator(".referral-note").inner_text()
    shoot(seller, "seller-start")
    if viewport:
        assert no_sideways_scroll(seller)

    seller.get_by_role("link", name="Start selling", exact=True).click()
    seller.get_by_role("heading", name="Create your seller account").wait_for()
    seller.get_by_label("Email").fill("candles@example.com")
    seller.get_by_label("Business name").fill("Sunrise Candles")
    assert seller.get_by_label("Where is your business based?").input_value() == "US"
    seller.get_by_label("Password").fill("Candle-wax-2026!")
    shoot(seller, "seller-signup-form")
    if viewport:
        assert no_sideways_scroll(seller)
    with seller.expect_request(lambda request: request.method == "POST") as posted:
        seller.get_by_role("button", name="Sign up").click()
    seller.get_by_role("heading", name="Your seller account is created").wait_for()
    shoot(seller, "seller-welcome")

    # then: the POST carried the page's own origin, and the sign-up is the partner's
    assert posted.value.header_value("origin") == live_server.url
    assert "403" not in seller.title()
    if viewport:
        assert no_sideways_scroll(seller)
    context.close()
    signup = ReferralSignup.objects.get()
    assert signup.link == link

    # then: the partner's link management counts the click and the sign-up: 100 % converted
    log_in(page, "partner@example.com")
    page.goto(reverse("referrals:service-links", args=[service.pk]))
    local_row = page.locator("#link-stats tr[data-kind=local]")
    cells = [
        re.sub(r"\s+", " ", text).strip() for text in local_row.locator("td").all_inner_texts()
    ]
    assert cells[1:] == ["1", "1", "100.0%"]
    cross_border = page.locator("#link-stats tr[data-kind=cross_border] td").all_inner_texts()
    assert cross_border[1:] == ["0", "0", "—"]
    # then: the chart draws today's sign-up inside its click, and the conversion point
    assert page.locator("svg rect.signups.bar-local").count() == 1
    assert page.locator("svg circle.rate-point.bar-local").count() == 1
    assert "Local sellers: clicks 1, sign-ups 1, conversion 100.0%." in (
        page.locator("svg desc").text_content()
    )
    shoot(page, "partner-link-management")


def test_an_expired_form_shows_the_portals_page_and_leads_back_to_the_form(
    page, live_server, shoot, rita, settings
):
    # given: a seller on the sign-up form whose browser lost its cookies meanwhile
    settings.US_HOSTS = ["localhost", "127.0.0.1"]
    settings.REFERRAL_CLICK_COUNTER = "database"
    partner = make_user(email="partner@example.com", center=Center.US)
    make_shop_partner(partner, reviewer=rita)
    link = publish(make_service(partner)).links.get(seller_type=SellerType.LOCAL)
    page.goto(link.get_absolute_url())
    page.get_by_role("link", name="Start selling", exact=True).click()
    page.get_by_label("Email").fill("candles@example.com")
    page.get_by_label("Business name").fill("Sunrise Candles")
    page.get_by_label("Password").fill("Candle-wax-2026!")
    page.context.clear_cookies()

    # when
    page.get_by_role("button", name="Sign up").click()

    # then: the portal's page, not Django's, with a way back to a working form
    page.get_by_role("heading", name="The form has expired").wait_for()
    shoot(page, "csrf-failure")
    assert "CSRF" not in page.locator("body").inner_text()
    assert not ReferralSignup.objects.exists()
    page.get_by_role("link", name="Open the page again").click()
    page.get_by_role("heading", name="Create your seller account").wait_for()
    assert "Invited by Acme Growth" in page.locator(".referral-note").inner_text()
    page.get_by_label("Email").fill("candles@example.com")
    page.get_by_label("Business name").fill("Sunrise Candles")
    page.get_by_label("Password").fill("Candle-wax-2026!")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Your seller account is created").wait_for()
    assert ReferralSignup.objects.get().link == link
