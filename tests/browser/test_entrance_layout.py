"""Entrance pages: the login form's "Remember Me" sits on one line with its label, and
"Verify your email" can resend the link."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_remember_me_checkbox_and_label_share_one_line(page, shoot, db):
    # when
    page.goto("/account/login/")
    box = page.locator("#id_remember").bounding_box()
    label = page.locator("label[for=id_remember]").bounding_box()
    shoot(page, "login")

    # then: vertically centred on each other, the label to the right of the box
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 6
    assert label["x"] > box["x"] + box["width"]
    assert page.locator("label[for=id_remember]").inner_text() == "Remember Me"


def test_verify_your_email_resends_a_link_that_works(page, shoot, db):
    # given: a new partner on "Verify your email", the first email lost
    page.goto("/account/signup/")
    page.locator("input[name=email]").fill("resend@example.com")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_text("Verify Your Email Address").first.wait_for()
    mail.outbox.clear()

    # when: asked at once, allauth's rate limit holds it back
    page.get_by_role("button", name="Resend the verification email").click()
    page.get_by_text("Please wait a few minutes").wait_for()
    shoot(page, "resend-rate-limited")
    assert mail.outbox == []

    # when: asked again once the limit has passed
    cache.clear()
    page.get_by_role("button", name="Resend the verification email").click()
    page.get_by_text("Confirmation email sent to resend@example.com").wait_for()
    shoot(page, "resent")

    # then: the new link verifies the address and signs the partner in
    assert [m.to for m in mail.outbox] == [["resend@example.com"]]
    link = re.search(r"https?://\S+/account/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("resend@example.com").first.wait_for()
    shoot(page, "verified")
    assert EmailAddress.objects.get(email="resend@example.com").verified
