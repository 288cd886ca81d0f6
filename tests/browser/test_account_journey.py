import re

import pytest
from django.core import mail

from accounts.models import User

pytestmark = pytest.mark.browser

PASSWORD = "Journey-pass-2026"


def test_sign_up_verify_log_in_and_change_email_with_a_code(page, shoot):
    # Sign up.
    page.goto("/account/signup/")
    page.locator("input[name=email]").fill("journey@example.com")
    page.get_by_label("Phone number").fill("+14155550123")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    shoot(page, "signup")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_text("Verify Your Email Address").first.wait_for()
    shoot(page, "verification-sent")

    # Open the verification email and confirm.
    link = re.search(r"https?://\S+/account/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    shoot(page, "confirm-email")
    page.get_by_role("button", name="Confirm").click()

    # Log out, then log in with email and password.
    page.get_by_text("journey@example.com").first.click()
    page.get_by_role("button", name="Log out").click()
    page.goto("/account/login/")
    page.locator("input[name=login]").fill("journey@example.com")
    page.locator("input[name=password]").fill(PASSWORD)
    shoot(page, "login")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Business guide").wait_for()
    shoot(page, "dashboard")

    # The profile shows the account.
    page.goto("/my-account/profile/")
    assert page.locator("#login-email").inner_text() == "journey@example.com"
    assert page.locator("#login-phone").inner_text() == "+14155550123"
    shoot(page, "profile")

    # Change the login email behind a code sent to the current email.
    page.locator("#login-email ~ a", has_text="Change").click()
    page.get_by_role("button", name="Send code").click()
    page.get_by_text("We sent a 6-digit code").wait_for()
    code = re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)
    assert mail.outbox[-1].to == ["journey@example.com"]
    page.get_by_label("New login email").fill("journey.new@example.com")
    page.get_by_label("Verification code").fill(code)
    shoot(page, "change-email")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("was changed").wait_for()
    assert page.locator("#login-email").inner_text() == "journey.new@example.com"
    shoot(page, "email-changed")

    assert User.objects.filter(email="journey.new@example.com").exists()
