import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import VerificationCode
from tests.conftest import PASSWORD, make_user

NEW_PASSWORD = "Brand-new-pass-2026"


def request_code(client, what, channel="email"):
    return client.post(
        reverse("accounts:change", kwargs={"what": what}), {"action": "send", "channel": channel}
    )


def last_code() -> str:
    return re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)


def confirm(client, what, **data):
    return client.post(
        reverse("accounts:change", kwargs={"what": what}), {"action": "confirm", **data}
    )


def test_code_is_sent_to_the_current_email(alice_client, alice):
    request_code(alice_client, "email")

    assert mail.outbox[-1].to == [alice.email]
    assert re.fullmatch(r"\d{6}", last_code())
    row = VerificationCode.objects.get(user=alice)
    assert last_code() not in row.code_hash


def test_change_email_with_the_right_code(alice_client, alice):
    # given
    request_code(alice_client, "email")

    # when
    response = confirm(alice_client, "email", new_email="alice.new@example.com", code=last_code())

    # then
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com"
    assert not alice.has_verified_email()  # the new address is verified again


def test_change_password_with_the_right_code_keeps_the_session(alice_client, alice):
    request_code(alice_client, "password")

    confirm(
        alice_client,
        "password",
        new_password1=NEW_PASSWORD,
        new_password2=NEW_PASSWORD,
        code=last_code(),
    )

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert alice_client.get(reverse("accounts:profile")).status_code == 200


def test_change_phone_with_the_right_code_leaves_it_unverified(alice_client, alice):
    request_code(alice_client, "phone")

    confirm(alice_client, "phone", new_phone="+442071838750", code=last_code())

    alice.refresh_from_db()
    assert str(alice.phone) == "+442071838750"
    assert alice.phone_verified is False


def test_wrong_code_changes_nothing_and_counts_the_attempt(alice_client, alice):
    request_code(alice_client, "email")
    wrong = "000000" if last_code() != "000000" else "111111"

    response = confirm(alice_client, "email", new_email="x@example.com", code=wrong)

    assert "The code is incorrect. 4 attempt(s) left." in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_code_is_locked_after_the_attempt_limit(alice_client, alice):
    request_code(alice_client, "email")
    right = last_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        confirm(alice_client, "email", new_email="x@example.com", code=wrong)

    response = confirm(alice_client, "email", new_email="x@example.com", code=right)

    assert "Request a new code" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_code_works_once(alice_client, alice):
    request_code(alice_client, "password")
    code = last_code()
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "code": code}
    confirm(alice_client, "password", **data)

    response = confirm(alice_client, "email", new_email="x@example.com", code=code)

    assert "No valid code is waiting" in response.content.decode()


def test_code_expires_after_ten_minutes(alice_client, alice):
    request_code(alice_client, "email")
    code = last_code()

    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=10, seconds=1)):
        response = confirm(alice_client, "email", new_email="x@example.com", code=code)

    assert "expired or was used" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_a_code_for_one_purpose_does_not_unlock_another(alice_client, alice):
    request_code(alice_client, "password")

    response = confirm(alice_client, "email", new_email="x@example.com", code=last_code())

    assert "No valid code is waiting" in response.content.decode()


def test_invalid_new_value_does_not_burn_the_code(alice_client, alice):
    request_code(alice_client, "password")
    code = last_code()
    confirm(alice_client, "password", new_password1="short", new_password2="short", code=code)

    confirm(
        alice_client, "password", new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD, code=code
    )

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_code_requests_are_limited_per_hour(alice_client, alice):
    for _ in range(5):
        request_code(alice_client, "email")

    response = request_code(alice_client, "email")

    assert len(mail.outbox) == 5
    assert response.status_code == 302
    follow = alice_client.get(response.url)
    assert "Too many codes requested" in follow.content.decode()


def test_code_goes_by_sms_to_a_verified_phone(client, caplog, db):
    # given
    user = make_user(email="sam@example.com", phone="+14155550199", phone_verified=True)
    client.force_login(user)

    # when
    with caplog.at_level("INFO", logger="partner_center.sms"):
        request_code(client, "password", channel="sms")

    # then
    assert not mail.outbox
    assert "SMS to +14155550199" in caplog.text
    code = re.search(r"code (\d{6})", caplog.text).group(1)
    confirm(client, "password", new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD, code=code)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_sms_is_not_offered_for_an_unverified_phone(client, db):
    user = make_user(email="sam@example.com", phone="+14155550199")
    client.force_login(user)

    request_code(client, "password", channel="sms")

    assert not mail.outbox  # the form refuses the sms choice outright
    assert not VerificationCode.objects.filter(user=user).exists()


def test_verify_phone_with_the_code_sent_by_sms(client, caplog, db):
    user = make_user(email="sam@example.com", phone="+14155550199")
    client.force_login(user)
    with caplog.at_level("INFO", logger="partner_center.sms"):
        client.post(reverse("accounts:verify-phone"), {"action": "send"})
    code = re.search(r"code (\d{6})", caplog.text).group(1)

    client.post(reverse("accounts:verify-phone"), {"action": "confirm", "code": code})

    user.refresh_from_db()
    assert user.phone_verified is True


@pytest.mark.parametrize("path", ["/account/email/", "/account/password/change/"])
def test_allauth_change_pages_lead_to_the_code_flow(alice_client, path):
    response = alice_client.get(path)

    assert response.status_code == 302
    assert response.url.startswith("/my-account/change/")


def test_unknown_change_target_is_404(alice_client):
    assert alice_client.get("/my-account/change/username/").status_code == 404


def test_change_page_of_a_user_never_shows_another_users_code(alice_client, bob):
    VerificationCode.issue(user=bob, purpose="change_email", channel="email", destination=bob.email)

    response = alice_client.get(reverse("accounts:change", kwargs={"what": "email"}))

    assert "A code is waiting" not in response.content.decode()


def test_profile_shows_login_details_masked_password(alice_client, alice):
    response = alice_client.get(reverse("accounts:profile"))

    body = response.content.decode()
    assert alice.email in body
    assert "••••••••" in body
    assert PASSWORD not in body
