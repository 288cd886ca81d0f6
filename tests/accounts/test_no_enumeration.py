"""Nobody learns which emails or phones are registered: change-email checks the code before
saying anything about the new address, and sign-up answers a taken email as a new one, in the
same time (allauth's ACCOUNT_PREVENT_ENUMERATION plus a password hash on both paths)."""

import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD, make_user

TAKEN = "already used by another account"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def change_email(client, **data):
    return client.post(
        reverse("accounts:change", kwargs={"what": "email"}), {"action": "confirm", **data}
    )


def send_code(client):
    client.post(
        reverse("accounts:change", kwargs={"what": "email"}),
        {"action": "send", "channel": "email"},
    )
    return re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_change_email_with_a_wrong_code_says_nothing_about_the_address(alice_client, bob):
    # given
    code = send_code(alice_client)

    # when: Alice probes Bob's address and a new one with the same wrong code
    taken = change_email(alice_client, new_email=bob.email, code=wrong(code)).text
    free = change_email(alice_client, new_email="nobody@example.com", code=wrong(code)).text

    # then: both answers are about the code only
    assert TAKEN not in taken
    assert "The code is incorrect" in taken
    assert "The code is incorrect" in free


def test_change_email_to_a_taken_address_is_refused_after_the_code_and_spends_it(
    alice_client, alice, bob
):
    # given
    code = send_code(alice_client)

    # when
    response = change_email(alice_client, new_email=bob.email, code=code)
    again = change_email(alice_client, new_email="nobody@example.com", code=code)

    # then: the address is refused only now, and probing again needs a new code
    assert TAKEN in response.text
    assert "No valid code is waiting" in again.text
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def signup(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, "phone": ""},
    )


def test_signup_answers_a_taken_email_as_a_new_one(client, alice):
    # when
    new = signup(client, "newcomer@example.com")
    taken = signup(client, alice.email)

    # then: the same redirect; the owner of the taken address is told by email
    assert (new.status_code, new.url) == (taken.status_code, taken.url)
    assert new.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact=alice.email).count() == 1
    assert [message.to for message in mail.outbox] == [["newcomer@example.com"], [alice.email]]
    assert "Account Already Exists" in mail.outbox[1].subject


def test_signup_hashes_the_password_for_a_taken_email_too(client, alice, monkeypatch):
    # given: count the password hashes
    hashed = []
    real_encode = MD5PasswordHasher.encode

    def encode(self, password, salt):
        hashed.append(password)
        return real_encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", encode)

    # when
    signup(client, "newcomer@example.com")
    new_hashes = len(hashed)
    signup(client, alice.email)

    # then: the same work on both paths, so the time does not tell them apart
    assert new_hashes == 1
    assert len(hashed) - new_hashes == 1


def test_signup_with_a_phone_registered_elsewhere_answers_as_with_a_new_one(client, db):
    # given
    make_user(email="sam@example.com", phone="+14155550199", phone_verified=True)

    # when
    response = client.post(
        reverse("account_signup"),
        {
            "email": "newcomer@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "phone": "+14155550199",
        },
    )

    # then: accepted, unverified: the number proves nothing until a code sent to it returns
    assert response.url == reverse("account_email_verification_sent")
    newcomer = User.objects.get(email="newcomer@example.com")
    assert str(newcomer.phone) == "+14155550199"
    assert newcomer.phone_verified is False
