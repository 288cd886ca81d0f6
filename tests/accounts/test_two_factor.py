"""SPEC §8.4-8.5: two-factor sign-in with an authenticator app (allauth.mfa) and recovery codes,
its rows in the security log, staff kept out of the admin without it (REQUIRE_STAFF_MFA), and
a team's rule that its members use it."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccountEvent
from teams.models import TeamSettings
from tests.conftest import PASSWORD, make_member

SECRET_SESSION_KEY = "mfa.totp.secret"


def totp_code(secret: str, *, step: int = 0) -> str:
    """What an authenticator app shows for `secret` now (or `step` periods from now)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def log_in(client, email: str, *, next_url: str = ""):
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": PASSWORD})


def enter_code(client, code: str):
    return client.post(reverse("mfa_authenticate"), {"code": code})


def activate_totp(client) -> str:
    """Confirm the password (asked before any change), then on the activation page read the
    key and enter the app's code. Returns the key."""
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def give_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_with_an_authenticator_app_the_login_asks_for_its_code(client, alice):
    # given alice activated an authenticator app and logged out
    log_in(client, alice.email)
    secret = activate_totp(client)
    client.post(reverse("account_logout"))

    # when she logs in with her password
    response = log_in(client, alice.email)

    # then the code is asked before she is in
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    # a wrong code is refused
    refused = enter_code(client, "000000" if totp_code(secret) != "000000" else "111111")
    assert refused.status_code == 200
    assert "Incorrect code" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # the app's code lets her in
    accepted = enter_code(client, totp_code(secret))
    assert accepted.status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk


def test_activating_an_app_is_in_the_security_log(
    client, alice, django_capture_on_commit_callbacks
):
    # given
    log_in(client, alice.email)

    # when (allauth tells of it once the change is committed)
    with django_capture_on_commit_callbacks(execute=True):
        activate_totp(client)

    # then: one row for the app (its recovery codes come with it and add none)
    events = list(alice.account_events.all())
    assert [event.event_type for event in events] == [AccountEvent.Type.MFA_ADDED]
    assert events[0].acting_user == alice
    assert events[0].ip == "127.0.0.1"
    assert events[0].details["authenticator"] == "totp"


def test_a_recovery_code_signs_in_once(client, alice):
    # given alice has an authenticator app, and her recovery codes
    log_in(client, alice.email)
    activate_totp(client)
    code = Authenticator.objects.get(user=alice, type="recovery_codes").wrap().get_unused_codes()[0]
    client.post(reverse("account_logout"))

    # when she signs in with a recovery code
    log_in(client, alice.email)
    response = enter_code(client, code)

    # then she is in, and the log says a recovery code was used
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk
    used = alice.account_events.get(event_type=AccountEvent.Type.RECOVERY_CODE_USED)
    assert used.acting_user == alice
    assert used.ip == "127.0.0.1"
    # and the same code does not work a second time
    client.post(reverse("account_logout"))
    log_in(client, alice.email)
    again = enter_code(client, code)
    assert again.status_code == 200
    assert "_auth_user_id" not in client.session


def test_deactivating_the_app_and_new_recovery_codes_are_in_the_security_log(
    client, alice, django_capture_on_commit_callbacks
):
    # given
    log_in(client, alice.email)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        activate_totp(client)
        client.post(reverse("mfa_generate_recovery_codes"))
        client.post(reverse("mfa_deactivate_totp"))

    # then
    assert sorted(alice.account_events.values_list("event_type", flat=True)) == sorted(
        [
            AccountEvent.Type.MFA_ADDED,
            AccountEvent.Type.RECOVERY_CODES_REGENERATED,
            AccountEvent.Type.MFA_REMOVED,
        ]
    )
    assert not Authenticator.objects.filter(user=alice).exists()


def test_the_security_page_shows_the_app_and_the_codes_left(client, alice):
    # given
    give_totp(alice)
    client.force_login(alice)

    # when
    page = client.get(reverse("accounts:security")).content.decode()

    # then
    assert 'id="totp-status">On<' in page
    assert "10 codes left" in page
    assert reverse("mfa_deactivate_totp") in page
    assert reverse("mfa_view_recovery_codes") in page


def test_the_security_page_offers_to_activate_an_app(alice_client):
    page = alice_client.get(reverse("accounts:security")).content.decode()

    assert 'id="totp-status">Off<' in page
    assert reverse("mfa_activate_totp") in page


def test_allauths_two_factor_overview_is_the_security_page(alice_client):
    response = alice_client.get(reverse("mfa_index"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")


def test_the_activation_page_renders_its_qr_code_under_the_csp(client, alice):
    # given
    log_in(client, alice.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    # when
    response = client.get(reverse("mfa_activate_totp"))

    # then the QR code is an image from a data: URI, which the policy's img-src allows
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<img class="qr"\s+src="data:image/svg\+xml;base64,', page)
    policy = response["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert "data:" in img_src
    assert "<script>" not in page
    assert "style=" not in page
    assert client.session[SECRET_SESSION_KEY] in page


def test_staff_without_an_app_are_sent_to_set_one_up(client, rita, settings):
    # given
    settings.REQUIRE_STAFF_MFA = True
    client.force_login(rita)

    # when
    response = client.get("/admin/")

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")
    assert any("two-factor" in message for message in messages_of(response))


def test_staff_without_an_app_open_the_admin_when_it_is_not_required(client, rita, settings):
    settings.REQUIRE_STAFF_MFA = False
    client.force_login(rita)

    response = client.get("/admin/")

    assert response.status_code == 200


def test_staff_with_an_app_sign_in_to_the_admin_through_the_code_stage(client, rita, settings):
    # given
    settings.REQUIRE_STAFF_MFA = True
    secret = give_totp(rita)

    # when rita opens the admin's login
    to_login = client.get("/admin/login/?next=/admin/")

    # then she is sent to the portal's login, which asks for her code, then opens the admin
    assert to_login.status_code == 302
    assert to_login["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"
    assert log_in(client, rita.email, next_url="/admin/")["Location"] == reverse("mfa_authenticate")
    signed_in = enter_code(client, totp_code(secret))
    assert signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_whose_session_skipped_the_code_are_asked_for_one(client, rita, settings):
    # given a session that never entered a code (opened before the app, or around the login)
    settings.REQUIRE_STAFF_MFA = True
    secret = give_totp(rita)
    client.force_login(rita)

    # when
    refused = client.get("/admin/")

    # then the admin asks for a code first, and opens once one is entered
    assert refused.status_code == 302
    assert refused["Location"] == reverse("mfa_reauthenticate") + "?next=%2Fadmin%2F"
    entered = client.post(refused["Location"], {"code": totp_code(secret)})
    assert entered.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_is_its_own_when_staff_need_no_app(client, settings):
    settings.REQUIRE_STAFF_MFA = False

    response = client.get("/admin/login/")

    assert response.status_code == 200


@pytest.fixture
def strict_team(alice):
    TeamSettings.objects.create(account=alice, require_mfa=True)
    return alice


def test_a_member_without_an_app_is_sent_to_set_one_up_when_the_team_requires_it(
    client, strict_team
):
    # given
    member = make_member(account=strict_team, email="mia@example.com")
    client.force_login(member)

    # when
    response = client.get(reverse("accounts:dashboard"))

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")
    assert any("Your team requires two-factor" in message for message in messages_of(response))
    # the pages to set it up stay open
    assert client.get(reverse("accounts:security")).status_code == 200
    assert client.get(reverse("mfa_activate_totp")).status_code in {200, 302}


def test_a_member_with_an_app_uses_the_portal_when_the_team_requires_it(client, strict_team):
    member = make_member(account=strict_team, email="mia@example.com")
    give_totp(member)
    client.force_login(member)

    response = client.get(reverse("accounts:dashboard"))

    assert response.status_code == 200


def test_the_main_account_is_not_held_by_its_teams_rule(client, strict_team):
    client.force_login(strict_team)

    response = client.get(reverse("accounts:dashboard"))

    assert response.status_code == 200


def test_a_member_of_a_team_without_the_rule_uses_the_portal(client, alice):
    member = make_member(account=alice, email="mia@example.com")
    client.force_login(member)

    response = client.get(reverse("accounts:dashboard"))

    assert response.status_code == 200


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _without_the_rule(settings):
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "teams.middleware.two_factor_middleware"
    ]


def test_the_rule_costs_a_main_account_no_query(client, alice, settings):
    # given
    client.force_login(alice)
    url = reverse("accounts:profile")
    _queries(client, url)

    # when
    with_rule = _queries(client, url)
    _without_the_rule(settings)
    without_rule = _queries(client, url)

    # then
    assert with_rule == without_rule


def test_the_rule_costs_a_member_no_query_once_the_session_knows_the_answer(
    client, alice, settings
):
    # given a member whose team has no rule, past their first page
    member = make_member(account=alice, email="mia@example.com")
    client.force_login(member)
    url = reverse("accounts:profile")
    _queries(client, url)

    # when
    with_rule = _queries(client, url)
    _without_the_rule(settings)
    without_rule = _queries(client, url)

    # then
    assert with_rule == without_rule


def test_a_rule_set_later_holds_the_member_within_the_recheck_time(
    client, alice, settings, time_machine
):
    # given a member already using the portal
    member = make_member(account=alice, email="mia@example.com")
    client.force_login(member)
    assert client.get(reverse("accounts:dashboard")).status_code == 200

    # when the account turns the rule on, and the recheck time passes
    TeamSettings.objects.create(account=alice, require_mfa=True)
    time_machine.move_to(time.time() + 61)

    # then
    assert client.get(reverse("accounts:dashboard"))["Location"] == reverse("accounts:security")


def test_a_staff_member_can_log_out_of_the_admin_without_an_app(client, rita, settings):
    settings.REQUIRE_STAFF_MFA = True
    client.force_login(rita)

    response = client.post("/admin/logout/")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_second_login_in_the_same_period_needs_the_next_code(client, alice, time_machine):
    # given alice signed in with this period's code
    secret = give_totp(alice)
    log_in(client, alice.email)
    enter_code(client, totp_code(secret))
    client.post(reverse("account_logout"))

    # when she tries the same code again, then the next period's
    log_in(client, alice.email)
    replay = enter_code(client, totp_code(secret))
    time_machine.move_to(time.time() + 30)
    fresh = enter_code(client, totp_code(secret))

    # then a code works once
    assert replay.status_code == 200
    assert fresh.status_code == 302


def test_wrong_codes_lock_the_code_stage_for_the_account(client, alice, settings):
    # given alice's password is known, her authenticator app is not
    secret = give_totp(alice)
    log_in(client, alice.email)
    wrong = "000000" if totp_code(secret) != "000000" else "111111"

    # when the guesser spends the account's budget of wrong codes
    for _ in range(5):
        enter_code(client, wrong)
    response = enter_code(client, totp_code(secret))

    # then even the right code is refused for the rest of the window
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
