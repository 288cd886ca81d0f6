"""SPEC §8.4 in a browser: a partner activates an authenticator app, then signs in with its
code, and with a recovery code that works once."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from accounts.models import AccountEvent
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def app_code(secret: str) -> str:
    """What the authenticator app shows now for the setup key."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(page, email: str) -> None:
    page.goto("/account/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def log_out(page, email: str) -> None:
    page.get_by_text(email).first.click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").first.wait_for()


def enter_code(page, code: str) -> None:
    page.get_by_role("heading", name="Two-factor sign-in").wait_for()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_activate_an_app_then_sign_in_with_its_code_and_with_a_recovery_code_once(page, shoot):
    user = make_user(email="two.factor@example.com")

    # Log in with the password and open My Account › Security.
    log_in(page, user.email)
    page.get_by_role("heading", name="Business guide").wait_for()
    page.goto("/my-account/security/")
    assert page.locator("#totp-status").inner_text() == "Off"
    shoot(page, "security-off")

    # Activate: confirm the password, scan (here: read) the setup key, enter the app's code.
    page.get_by_role("link", name="Activate").click()
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Activate an authenticator app").wait_for()
    assert page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    shoot(page, "activate")
    secret = page.locator("#authenticator-secret").inner_text().strip()
    page.get_by_label("Authenticator code").fill(app_code(secret))
    page.get_by_role("button", name="Activate").click()

    # The recovery codes are shown; keep one.
    page.get_by_role("heading", name="Recovery codes").wait_for()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shoot(page, "recovery-codes")
    page.get_by_role("link", name="Done").click()
    assert page.locator("#totp-status").inner_text() == "On"

    # Log out; the login now asks for the app's code.
    log_out(page, user.email)
    log_in(page, user.email)
    shoot(page, "code-stage")
    enter_code(page, app_code(secret))
    page.get_by_role("heading", name="Business guide").wait_for()

    # A recovery code signs in once...
    log_out(page, user.email)
    log_in(page, user.email)
    enter_code(page, codes[0])
    page.get_by_role("heading", name="Business guide").wait_for()

    # ...and not twice.
    log_out(page, user.email)
    log_in(page, user.email)
    enter_code(page, codes[0])
    page.get_by_text("Incorrect code").first.wait_for()
    shoot(page, "recovery-code-refused")

    events = set(user.account_events.values_list("event_type", flat=True))
    assert {AccountEvent.Type.MFA_ADDED, AccountEvent.Type.RECOVERY_CODE_USED} <= events
