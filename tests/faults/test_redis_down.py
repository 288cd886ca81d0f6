"""Redis down (cache, broker and clicks at a closed port): the portal serves, slower but whole.

Seen before: /r/<token> answered 500 and lost the click; partner and seller login answered 500.
"""

import logging
import time

import pytest
from django.core import mail
from django.urls import reverse

from referrals.models import DailyClicks, ReferralLink
from sellers.models import SellerType
from tests.conftest import PASSWORD
from tests.referrals.conftest import make_service, make_shop_partner, publish
from tests.sellers.conftest import SELLER_PASSWORD, make_seller

from .conftest import BUDGET_SECONDS

CLICKS = 5


@pytest.fixture
def live_link(us_user, rita, django_capture_on_commit_callbacks):
    """A US partner's published shop-registration service, made while Redis was up."""
    make_shop_partner(us_user, reviewer=rita)
    with django_capture_on_commit_callbacks(execute=True):
        service = publish(make_service(us_user))
    return service.links.get(seller_type=SellerType.LOCAL)


def test_referral_link_redirects_and_counts_every_click_once(live_link, client, redis_down):
    # when: sellers follow the link while Redis is down
    started = time.monotonic()
    statuses = [client.get(live_link.get_absolute_url()).status_code for _ in range(CLICKS)]
    elapsed = time.monotonic() - started

    # then: every click redirected, every click in the database, none twice
    assert statuses == [302] * CLICKS
    live_link.refresh_from_db()
    assert live_link.clicks == CLICKS
    assert DailyClicks.objects.get(link=live_link).count == CLICKS
    assert elapsed < BUDGET_SECONDS


def test_a_redis_that_never_answers_costs_one_timeout_not_one_per_click(
    live_link, client, redis_hung, settings
):
    # when
    started = time.monotonic()
    statuses = [client.get(live_link.get_absolute_url()).status_code for _ in range(CLICKS)]
    elapsed = time.monotonic() - started

    # then: the first click waits for the timeouts; the rest go straight to the database.
    # That first click reached Redis, which may have counted it before going silent (it
    # would reach the database with the next flush): it is not counted again, so nothing is
    # ever counted twice.
    assert statuses == [302] * CLICKS
    live_link.refresh_from_db()
    assert live_link.clicks == CLICKS - 1
    assert elapsed < 2 * (settings.REDIS_CONNECT_TIMEOUT + settings.REDIS_SOCKET_TIMEOUT) + 1


def test_unknown_token_is_still_a_clean_404(db, client, redis_down):
    response = client.get(reverse("referrals:redirect", args=["no-such-token"]))

    assert response.status_code == 404
    assert not ReferralLink.objects.filter(clicks__gt=0).exists()


def test_partner_login_works(alice, client, redis_down):
    # given: one wrong password first (allauth counts failures in the cache)
    wrong = client.post(reverse("account_login"), {"login": alice.email, "password": "nope"})

    # when
    response = client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})

    # then
    assert wrong.status_code == 200
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_seller_login_works(db, client, redis_down, settings):
    # given
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sam = make_seller(email="sam@shop.example")
    wrong = client.post(reverse("sellers:login"), {"login": sam.email, "password": "nope"})

    # when
    response = client.post(
        reverse("sellers:login"), {"login": sam.email, "password": SELLER_PASSWORD}
    )

    # then
    assert wrong.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("open_api:authorization-list")
    assert client.get(response["Location"]).status_code == 200


def test_admin_login_works(rita, client, redis_down):
    # when
    response = client.post(
        reverse("admin:login"),
        {"username": rita.email, "password": PASSWORD, "next": reverse("admin:index")},
    )

    # then
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    changelist = client.get(reverse("admin:onboarding_application_changelist"))
    assert changelist.status_code == 200


@pytest.mark.parametrize(
    "url_name",
    ["categories:catalog", "account_login", "account_signup", "sellers:login", "admin:login"],
)
def test_public_pages_render(db, client, redis_down, url_name):
    assert client.get(reverse(url_name)).status_code == 200


def test_sign_up_sends_its_confirmation_email_exactly_once(db, client, redis_down, settings):
    # given: a quick hasher, so the time measured is the outage's, not PBKDF2's
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    # when: the email cannot be queued (the broker is Redis too), so it is sent in the request
    started = time.monotonic()
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    elapsed = time.monotonic() - started

    # then
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert elapsed < BUDGET_SECONDS


def test_the_outage_is_logged_once_not_per_call(live_link, client, redis_down, caplog):
    # when
    with caplog.at_level(logging.WARNING, logger="partner_center.cache"):
        for _ in range(CLICKS):
            client.get(live_link.get_absolute_url())

    # then
    warnings = [r for r in caplog.records if r.name == "partner_center.cache"]
    assert len(warnings) == 1
    assert "rate limits" in warnings[0].getMessage()
