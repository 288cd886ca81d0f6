"""The seller sign-up a referral link leads to passes Django's CSRF check in a real browser,
and the check stays strict: only the site's own origin may post the form (issue 11, defect 1).

These tests run with CSRF enforced (the test client skips it by default) and send the
headers a browser sends; the browser journey (tests/browser/test_referral_signup_journey.py)
shows what Chromium really sends."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from referrals.models import ReferralSignup
from sellers.directory import get_directory
from sellers.models import SellerType

SELLER = {
    "email": "new-seller@example.com",
    "phone": "",
    "name": "Sunrise Candles",
    "region": "US",
    "password": "Candle-wax-2026!",
}


@pytest.fixture
def browser_client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def local_link(alice_service):
    return alice_service.links.get(seller_type=SellerType.LOCAL)


def open_form(client, link) -> tuple[str, str]:
    """(form URL, CSRF token of the form), as a seller gets them following the link."""
    start = client.get(link.get_absolute_url(), follow=True)
    assert start.status_code == 200
    form_url = f"{reverse('referrals:seller-signup')}?ref={link.token}"
    page = client.get(form_url).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return form_url, token


def post_form(client, link, *, origin: str):
    form_url, token = open_form(client, link)
    data = {**SELLER, "ref": link.token, "csrfmiddlewaretoken": token}
    return client.post(form_url, data, HTTP_ORIGIN=origin)


def test_sign_up_posted_from_the_sites_own_origin_is_credited(browser_client, local_link):
    # when: what a browser sends once the page no longer strips its origin
    response = post_form(browser_client, local_link, origin="http://testserver")

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:seller-welcome")
    account = get_directory().find_account(SELLER["email"])
    assert ReferralSignup.objects.get().seller_account_id == account.id


def test_sign_up_posted_from_another_site_is_refused(browser_client, local_link):
    # when: a foreign page posts the form with a valid token
    response = post_form(browser_client, local_link, origin="https://evil.example")

    # then
    assert response.status_code == 403
    assert get_directory().find_account(SELLER["email"]) is None
    assert not ReferralSignup.objects.exists()


def test_a_null_origin_is_still_refused(browser_client, local_link):
    # The fix is on the pages (their referrer policy), not in the check: an opaque origin
    # (a sandboxed frame, a data: page) proves nothing about where the form came from.
    response = post_form(browser_client, local_link, origin="null")

    assert response.status_code == 403
    assert not ReferralSignup.objects.exists()


def test_csrf_failure_is_the_portals_page_with_a_way_back(browser_client, local_link, settings):
    # given: even with DEBUG on, never Django's technical page
    settings.DEBUG = True

    # when
    response = post_form(browser_client, local_link, origin="https://evil.example")

    # then
    text = response.text
    assert response.status_code == 403
    assert "The form has expired" in text
    assert 'href="/seller/start/signup/?ref=' in text  # open the form again, with its ref
    assert "Partner Center" in text
    assert "CSRF_FAILURE_VIEW" not in text
    assert "Origin checking failed" not in text


@pytest.mark.parametrize("step", ["referrals:seller-start", "referrals:seller-signup"])
def test_seller_pages_keep_the_token_on_this_site_without_a_null_origin(client, local_link, step):
    page = client.get(f"{reverse(step)}?ref={local_link.token}").text

    assert '<meta name="referrer" content="same-origin">' in page
    assert "no-referrer" not in page


def test_seller_pages_name_the_inviting_partners_company(client, local_link):
    # given: alice's entity calls her company "Acme Growth"; her service is "Prairie Shop Setup"
    start = client.get(f"{reverse('referrals:seller-start')}?ref={local_link.token}").text
    form = client.get(f"{reverse('referrals:seller-signup')}?ref={local_link.token}").text

    assert "Invited by Acme Growth" in start
    assert "Invited by Acme Growth" in form
    assert "Prairie Shop Setup" not in start + form


def test_forbidden_pages_are_the_portals(alice, rf):
    # given
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/somewhere/")
    request.user = alice

    # when
    response = permission_denied(request, PermissionDenied())

    # then
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()
