import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from categories.models import Center
from tests.conftest import PASSWORD, make_user


def signup(client, *, email="new@example.com", phone="", host="127.0.0.1"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, "phone": phone},
        HTTP_HOST=host,
    )


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/confirm-email/\S+/)", message.body).group(1)


def test_signup_requires_email_verification_before_login(client, db):
    # when
    response = signup(client)

    # then
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="new@example.com")
    assert not user.has_verified_email()
    assert len(mail.outbox) == 1
    login = client.post(
        reverse("account_login"), {"login": "new@example.com", "password": PASSWORD}
    )
    assert login.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_verification_link_verifies_and_logs_in(client, db):
    # given
    signup(client)
    link = confirmation_link(mail.outbox[0])

    # when
    client.post(link)

    # then
    user = User.objects.get(email="new@example.com")
    assert user.has_verified_email()
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_signup_with_phone_stores_e164(client, db):
    signup(client, phone="+1 415 555 0123")

    user = User.objects.get(email="new@example.com")
    assert str(user.phone) == "+14155550123"
    assert user.phone_verified is False


def test_signup_with_invalid_phone_is_refused_and_keeps_input(client, db):
    response = signup(client, phone="12345")

    assert response.status_code == 200
    assert "Enter a valid phone number" in response.content.decode()
    assert 'value="new@example.com"' in response.content.decode()
    assert not User.objects.exists()


def test_account_belongs_to_the_center_of_its_signup_host(client, db, settings):
    settings.US_HOSTS = ["partner.us.example.com"]
    settings.ALLOWED_HOSTS = ["*"]

    signup(client, email="us@example.com", host="partner.us.example.com")
    signup(client, email="global@example.com", host="partner.example.com")

    assert User.objects.get(email="us@example.com").center == Center.US
    assert User.objects.get(email="global@example.com").center == Center.GLOBAL


def test_login_on_the_other_center_is_refused_with_a_pointer(client, alice, settings):
    settings.US_HOSTS = ["partner.us.example.com"]
    settings.ALLOWED_HOSTS = ["*"]

    response = client.post(
        reverse("account_login"),
        {"login": alice.email, "password": PASSWORD},
        HTTP_HOST="partner.us.example.com",
        follow=True,
    )

    assert "_auth_user_id" not in client.session
    assert "This account belongs to the Global Partner Center" in response.content.decode()


def test_failed_logins_are_rate_limited(client, alice):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": alice.email, "password": "wrong"})

    response = client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_login_by_email_reaches_the_dashboard(client, alice):
    response = client.post(
        reverse("account_login"), {"login": "ALICE@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize("url_name", ["accounts:profile", "accounts:verify-phone"])
def test_account_pages_need_login(client, db, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_email_address_rows_follow_the_account(alice):
    assert EmailAddress.objects.get(user=alice).email == alice.email


def test_login_by_verified_phone(client, db):
    make_user(email="sam@example.com", phone="+14155550199", phone_verified=True)

    response = client.post(
        reverse("account_login"), {"login": "+14155550199", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_login_by_unverified_phone_is_refused(client, db):
    make_user(email="sam@example.com", phone="+14155550199")

    client.post(reverse("account_login"), {"login": "+14155550199", "password": PASSWORD})

    assert "_auth_user_id" not in client.session
