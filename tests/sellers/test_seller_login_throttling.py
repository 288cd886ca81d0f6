"""SPEC §6: the Seller Center stand-in login limits wrong passwords per IP and per (IP, login),
so a password spray from one address is stopped and nobody can lock a seller out from
elsewhere by naming it."""

import time

import pytest
from django.urls import reverse

from sellers.views import SESSION_KEY

from .conftest import SELLER_PASSWORD, make_seller

ATTACKER = "198.51.100.66"
SELLER_HOME = "203.0.113.5"
TOO_MANY = "Too many wrong passwords"


@pytest.fixture(autouse=True)
def _clock_stands_still(time_machine):
    # Limits count in fixed windows: a test that straddled a window's end would start over.
    time_machine.move_to(time.time(), tick=False)


@pytest.fixture(autouse=True)
def _small_budgets(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = "5/15m"
    settings.LOGIN_FAILURES_PER_IP = "3/m"
    settings.LOGIN_FAILURES_PER_IP_MAX = "8/h"


@pytest.fixture
def sam(db):
    return make_seller(email="sam@shop.example")


def seller_login(client, login, password, ip):
    return client.post(
        reverse("sellers:login"), {"login": login, "password": password}, REMOTE_ADDR=ip
    )


def test_wrong_passwords_from_elsewhere_do_not_lock_the_seller_out(client, sam):
    # given: an attacker names Sam's login and guesses until refused
    for _ in range(6):
        response = seller_login(client, sam.email, "guess", ip=ATTACKER)
    assert TOO_MANY in response.text

    # when: Sam logs in from home
    response = seller_login(client, sam.email, SELLER_PASSWORD, ip=SELLER_HOME)

    # then
    assert response.status_code == 302
    assert client.session[SESSION_KEY]["id"] == str(sam.pk)


def test_the_login_is_locked_from_the_ip_that_guessed_it(client, sam):
    # given
    for _ in range(5):
        seller_login(client, sam.email, "guess", ip=SELLER_HOME)

    # when
    response = seller_login(client, sam.email, SELLER_PASSWORD, ip=SELLER_HOME)

    # then
    assert TOO_MANY in response.text
    assert SESSION_KEY not in client.session


def test_a_password_spray_from_one_ip_is_throttled_then_refused(client, sam):
    # given: one password tried on many logins from one address
    answers = [
        seller_login(client, f"seller{n}@shop.example", "Summer2026!", ip=ATTACKER).text
        for n in range(8)
    ]

    # when: even a right password from there
    refused = seller_login(client, sam.email, SELLER_PASSWORD, ip=ATTACKER)

    # then: wrong answers turn into the throttle message past the per-IP budget, and past the
    # ceiling nothing from that address is checked; Sam elsewhere is unaffected
    assert ["incorrect" in text for text in answers[:3]] == [True] * 3
    assert all(TOO_MANY in text for text in answers[3:])
    assert TOO_MANY in refused.text
    assert SESSION_KEY not in client.session
    assert seller_login(client, sam.email, SELLER_PASSWORD, ip=SELLER_HOME).status_code == 302


def test_a_right_password_from_a_throttled_ip_under_the_ceiling_logs_in(client, sam):
    # given: the IP is past its per-IP budget but not its ceiling
    for n in range(4):
        seller_login(client, f"seller{n}@shop.example", "guess", ip=ATTACKER)

    # when
    response = seller_login(client, sam.email, SELLER_PASSWORD, ip=ATTACKER)

    # then
    assert response.status_code == 302
