"""SPEC §1.2: wrong passwords are limited per account and per IP, at the partner login and at
/admin/login/ alike (partner_center.throttle), without locking out a shared NAT."""

import logging
import time

import pytest
import redis
from django.core.cache import caches
from django.urls import reverse

from tests.conftest import PASSWORD

NAT = "198.51.100.7"  # one public address, many colleagues behind it
ELSEWHERE = "203.0.113.20"
TOO_MANY = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _clock_stands_still(time_machine):
    # Limits count in fixed windows: a test that straddled a window's end would start over.
    time_machine.move_to(time.time(), tick=False)


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def small_budgets(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = "5/5m"
    settings.LOGIN_FAILURES_PER_IP = "3/m"
    settings.LOGIN_FAILURES_PER_IP_MAX = "8/h"


def admin_login(client, email, password, ip=NAT):
    return client.post(
        reverse("admin:login"),
        {"username": email, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=ip,
    )


def partner_login(client, login, password, ip=NAT):
    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=ip
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_admin_login_locks_the_account_after_its_budget_of_wrong_passwords(
    client, rita, small_budgets
):
    # given: five wrong passwords for the reviewer, from two addresses
    for attempt in range(5):
        admin_login(client, rita.email, "guess", ip=NAT if attempt % 2 else ELSEWHERE)

    # when: the right password comes next
    response = admin_login(client, rita.email, PASSWORD, ip="192.0.2.55")

    # then: refused with a clear message, not a server error
    assert response.status_code == 200
    assert TOO_MANY in response.text
    assert not logged_in(client)


def test_admin_login_throttles_an_ip_but_the_right_password_from_another_ip_works(
    client, rita, small_budgets
):
    # given: the reviewer's IP is past its budget
    for _ in range(4):
        response = admin_login(client, rita.email, "guess", ip=NAT)
    assert TOO_MANY in response.text

    # when
    response = admin_login(client, rita.email, PASSWORD, ip=ELSEWHERE)

    # then
    assert response.status_code == 302
    assert logged_in(client)


def test_admin_and_partner_logins_share_the_account_budget(client, rita, small_budgets):
    # given: guesses split between the two doors
    for _ in range(3):
        partner_login(client, rita.email, "guess", ip=ELSEWHERE)
    for _ in range(2):
        admin_login(client, rita.email, "guess", ip=NAT)

    # when
    response = admin_login(client, rita.email, PASSWORD, ip="192.0.2.55")

    # then
    assert TOO_MANY in response.text
    assert not logged_in(client)


def test_a_right_password_from_a_throttled_nat_still_logs_in(client, alice, small_budgets):
    # given: someone behind the NAT guesses passwords for other accounts
    for victim in ["carol@example.com", "dave@example.com", "erin@example.com", "bob@x.com"]:
        response = partner_login(client, victim, "guess")
    assert TOO_MANY in response.text  # the NAT is past its per-IP budget

    # when: Alice, behind the same NAT, gives her right password
    response = partner_login(client, alice.email, PASSWORD)

    # then
    assert response.status_code == 302
    assert logged_in(client)


def test_a_wrong_password_from_a_throttled_nat_gets_the_throttle_message(
    client, alice, small_budgets
):
    # given
    for victim in ["carol@example.com", "dave@example.com", "erin@example.com"]:
        partner_login(client, victim, "guess")

    # when
    response = partner_login(client, alice.email, "not-her-password")

    # then
    assert TOO_MANY in response.text
    assert not logged_in(client)


def test_an_ip_past_the_ceiling_is_refused_even_with_the_right_password(
    client, alice, small_budgets
):
    # given: a password spray over many accounts from one address
    for n in range(8):
        partner_login(client, f"victim{n}@example.com", "Summer2026!")

    # when
    refused = partner_login(client, alice.email, PASSWORD)

    # then: refused there, fine from elsewhere
    assert TOO_MANY in refused.text
    assert not logged_in(client)
    assert partner_login(client, alice.email, PASSWORD, ip=ELSEWHERE).status_code == 302


@pytest.fixture
def cache_down(monkeypatch):
    def unreachable(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:1.")

    cache = caches["default"]
    for method in ("add", "get", "set", "incr", "delete", "get_many", "set_many"):
        monkeypatch.setattr(cache, method, unreachable)


def test_logins_work_and_warn_when_the_cache_is_unreachable(
    client, alice, rita, cache_down, caplog
):
    # when
    with caplog.at_level(logging.WARNING, logger="partner_center.throttle"):
        wrong = partner_login(client, alice.email, "guess")
        right = partner_login(client, alice.email, PASSWORD)
        client.logout()
        admin = admin_login(client, rita.email, PASSWORD)

    # then: the limits fail open, the password checks still stand
    assert "not correct" in wrong.text
    assert right.status_code == 302
    assert admin.status_code == 302
    assert "Rate limit login:account not applied: the cache failed (ConnectionError)" in caplog.text


def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(
    client, alice, small_budgets, settings
):
    # given: one reverse proxy in front; a guesser past the per-IP budget
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "192.0.2.1"}
    for _ in range(4):
        guesser = client.post(
            reverse("account_login"),
            {"login": alice.email, "password": "guess"},
            HTTP_X_FORWARDED_FOR=NAT,
            **proxy,
        )

    # when: a wrong password from another client through the same proxy
    other = client.post(
        reverse("account_login"),
        {"login": "bob@example.com", "password": "typo"},
        HTTP_X_FORWARDED_FOR=ELSEWHERE,
        **proxy,
    )

    # then
    assert TOO_MANY in guesser.text
    assert "not correct" in other.text
