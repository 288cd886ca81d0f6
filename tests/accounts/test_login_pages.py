"""The entrance pages: a login on the wrong center links to the right one, "Verify your
email" can resend the link (rate-limited by allauth), and the login form's layout."""

import re

from django.core import mail
from django.urls import reverse

from accounts.adapters import center_login_url
from tests.conftest import PASSWORD

from .test_signup import confirmation_link, signup


def login(client, email, host):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": PASSWORD},
        HTTP_HOST=host,
        follow=True,
    )


def test_a_us_account_on_the_global_center_gets_a_link_to_the_us_login(client, us_user, settings):
    # given
    settings.US_HOSTS = ["us.localhost"]
    settings.ALLOWED_HOSTS = ["*"]

    # when
    response = login(client, us_user.email, "127.0.0.1:8106")

    # then
    page = response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "This account belongs to the US Partner Center" in page
    assert '<a href="http://us.localhost:8106/account/login/">' in page


def test_the_link_leads_to_a_login_that_works(client, us_user, settings):
    # given
    settings.US_HOSTS = ["us.localhost"]
    settings.ALLOWED_HOSTS = ["*"]
    page = login(client, us_user.email, "127.0.0.1:8106").content.decode()
    link = re.search(r'<a href="http://([^/"]+)(/account/login/)">', page)
    assert link is not None

    # when
    response = login(client, us_user.email, link.group(1))

    # then
    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
    assert int(client.session["_auth_user_id"]) == us_user.pk


def test_a_global_account_on_the_us_center_gets_a_link_to_the_global_login(client, alice, settings):
    # given
    settings.US_HOSTS = ["us.localhost"]
    settings.ALLOWED_HOSTS = ["*"]

    # when
    response = login(client, alice.email, "us.localhost:8106")

    # then
    page = response.content.decode()
    assert "This account belongs to the Global Partner Center" in page
    assert '<a href="http://localhost:8106/account/login/">' in page


def test_a_configured_global_host_is_the_link_target(rf, settings):
    # given
    settings.US_HOSTS = ["partner.us.example.com"]
    settings.GLOBAL_HOST = "partner.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    request = rf.get("/", HTTP_HOST="partner.us.example.com", secure=True)

    # when
    url = center_login_url(request, "global")

    # then
    assert url == "https://partner.example.com/account/login/"


def test_verify_your_email_offers_a_resend_that_sends_a_new_link(client, db):
    # given
    signup(client, email="new@example.com")
    assert len(mail.outbox) == 1
    page = client.get(reverse("account_email_verification_sent")).content.decode()
    assert 'value="new@example.com"' in page
    assert "Resend the verification email" in page
    mail.outbox.clear()

    # when: asked again later (allauth allows one email per address every 3 minutes)
    from django.core.cache import cache

    cache.clear()
    response = client.post(
        reverse("accounts:resend-verification"), {"email": "new@example.com"}, follow=True
    )

    # then: a new link arrives and it verifies the address
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "Confirmation email sent to new@example.com" in response.content.decode()
    link = confirmation_link(mail.outbox[0])
    client.post(link)
    assert "_auth_user_id" in client.session


def test_resend_is_rate_limited_by_allauth(client, db):
    # given: the sign-up email was just sent
    signup(client, email="new@example.com")
    mail.outbox.clear()

    # when
    response = client.post(
        reverse("accounts:resend-verification"), {"email": "new@example.com"}, follow=True
    )

    # then
    assert mail.outbox == []
    assert "Please wait a few minutes" in response.content.decode()


def test_resend_for_an_unknown_address_reads_the_same_and_sends_nothing(client, db):
    # when
    response = client.post(
        reverse("accounts:resend-verification"), {"email": "nobody@example.com"}, follow=True
    )

    # then
    assert mail.outbox == []
    assert "Confirmation email sent to nobody@example.com" in response.content.decode()


def test_remember_me_sits_beside_its_checkbox_without_a_colon(client, db):
    # when
    page = client.get(reverse("account_login")).content.decode()

    # then
    field = re.search(r'<div class="field field-checkbox[^"]*">(.*?)</div>', page, re.S)
    assert field is not None
    assert re.search(
        r'<input type="checkbox" name="remember"[^>]*>\s*'
        r'<label for="id_remember">Remember Me</label>',
        field.group(1),
    )
    assert "Remember Me:" not in page
    assert 'class="required-legend"' in page
