"""An email address longer than 254 characters (the SMTP limit and the column's) is refused
with a clear error at every way in; it is never cut to fit and stored without its domain."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError

from accounts.models import User
from tests.conftest import PASSWORD

from .test_change_credentials import confirm, last_code, request_code
from .test_signup import signup

# 312 characters, as in the report: a local part of 64, then a long domain.
OVERLONG = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"
assert len(OVERLONG) == 312


def test_signup_refuses_an_overlong_email_and_creates_nothing(client, db):
    # when
    response = signup(client, email=OVERLONG)

    # then
    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()


def test_signup_accepts_an_email_of_exactly_254_characters(client, db):
    # given
    longest = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + "." + "c" * 2 + ".com"
    assert len(longest) == 254

    # when
    signup(client, email=longest)

    # then: stored whole
    assert User.objects.get().email == longest


def test_change_email_refuses_an_overlong_address_and_keeps_the_code(alice_client, alice):
    # given
    request_code(alice_client, "email")

    # when
    response = confirm(alice_client, "email", new_email=OVERLONG, code=last_code())

    # then
    assert response.status_code == 200
    assert "254 characters" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    retry = confirm(alice_client, "email", new_email="alice.new@example.com", code=last_code())
    assert retry.status_code == 302


def test_the_model_refuses_an_overlong_email_from_the_shell(alice):
    # when / then
    with pytest.raises(ValidationError, match="at most 254 characters"):
        User.objects.create_user(email=OVERLONG, password=PASSWORD)
    with pytest.raises(ValidationError, match="at most 254 characters"):
        alice.change_email(OVERLONG)

    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    assert User.objects.count() == 1
