"""Phone numbers are unique only once verified: a number someone typed in but never verified
does not block its real owner, and no form tells who registered a number."""

import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from tests.conftest import make_user

NUMBER = "+14155550199"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def verify_phone(client, caplog) -> str:
    with caplog.at_level("INFO", logger="partner_center.sms"):
        client.post(reverse("accounts:verify-phone"), {"action": "send"})
    code = re.findall(r"code (\d{6})", caplog.text)[-1]
    return client.post(
        reverse("accounts:verify-phone"), {"action": "confirm", "code": code}, follow=True
    ).content.decode()


def test_two_accounts_may_hold_the_same_unverified_number(db):
    make_user(email="squatter@example.com", phone=NUMBER)

    owner = make_user(email="owner@example.com", phone=NUMBER)

    assert User.objects.filter(phone=NUMBER).count() == 2
    assert owner.phone_verified is False


def test_the_database_refuses_a_number_verified_on_two_accounts(db):
    make_user(email="owner@example.com", phone=NUMBER, phone_verified=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(email="other@example.com", phone=NUMBER, phone_verified=True)


def test_the_owner_verifies_a_number_another_account_claimed_and_the_claim_is_cleared(
    client, caplog, db
):
    # given: someone typed the owner's number into their own account, unverified
    squatter = make_user(email="squatter@example.com", phone=NUMBER)
    owner = make_user(email="owner@example.com", phone=NUMBER)
    client.force_login(owner)

    # when: the owner verifies it with the code sent to the phone
    page = verify_phone(client, caplog)

    # then
    assert "Your phone number is verified" in page
    owner.refresh_from_db()
    squatter.refresh_from_db()
    assert owner.phone_verified is True
    assert squatter.phone is None


def test_change_phone_does_not_tell_that_a_number_is_registered(client, caplog, db):
    # given
    make_user(email="sam@example.com", phone=NUMBER, phone_verified=True)
    alice = make_user(email="alice@example.com")
    client.force_login(alice)
    client.post(
        reverse("accounts:change", kwargs={"what": "phone"}),
        {"action": "send", "channel": "email"},
    )
    code = re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)

    # when
    response = client.post(
        reverse("accounts:change", kwargs={"what": "phone"}),
        {"action": "confirm", "new_phone": NUMBER, "code": code},
    )

    # then: saved unverified, like any number
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (str(alice.phone), alice.phone_verified) == (NUMBER, False)


def test_a_number_verified_elsewhere_is_refused_only_after_the_code_from_the_phone(
    client, caplog, db
):
    # given
    sam = make_user(email="sam@example.com", phone=NUMBER, phone_verified=True)
    alice = make_user(email="alice@example.com", phone=NUMBER)
    client.force_login(alice)

    # when
    page = verify_phone(client, caplog)

    # then: whoever read the code holds the phone; Sam keeps his verified number
    assert "This phone number is verified on another account." in page
    alice.refresh_from_db()
    sam.refresh_from_db()
    assert alice.phone_verified is False
    assert sam.phone_verified is True
