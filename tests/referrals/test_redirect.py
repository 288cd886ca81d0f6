"""SPEC §5.5: the public link. Active: to Seller Center's "Start selling" page, carrying the
attribution. Deactivated or unknown: the same "not available" page, 410 or 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import services, tracking
from referrals.models import ReferralLink
from sellers.models import SellerType

NOT_AVAILABLE = "This link is not available"


def local_link(service) -> ReferralLink:
    return service.links.get(seller_type=SellerType.LOCAL)


def test_active_link_sends_the_seller_to_start_selling(alice_service, client):
    # given
    link = local_link(alice_service)

    # when
    response = client.get(link.get_absolute_url())

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('referrals:seller-start')}?ref={link.token}"
    assert response["Cache-Control"] == "no-store"
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    assert "Start selling" in landing.text
    assert "Invited by Acme Growth" in landing.text  # the partner, not its service
    assert f"?ref={link.token}" in landing.text  # carried on to the sign-up


@pytest.mark.parametrize("mode", ["database", "redis"])
def test_deactivated_link_shows_not_available(
    mode, alice_service, client, django_capture_on_commit_callbacks, request
):
    # given
    if mode == "redis":
        request.getfixturevalue("redis_counter")
    link = local_link(alice_service)
    client.get(link.get_absolute_url())  # the token's state is cached now

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.deactivate_service(service_id=alice_service.pk, by=alice_service.partner)
    response = client.get(link.get_absolute_url())

    # then
    assert response.status_code == 410
    assert NOT_AVAILABLE in response.text
    assert "Location" not in response
    tracking.flush_clicks()
    link.refresh_from_db()
    assert link.clicks == 1  # the click on a deactivated link is not counted


@pytest.mark.parametrize(
    "token",
    ["unknown-token-0000000000000000000", "x", "A" * 64, "A" * 65],
)
def test_unknown_token_shows_the_same_page(token, alice_service, client):
    response = client.get(f"/r/{token}")

    assert response.status_code == 404
    assert NOT_AVAILABLE in response.text


def test_a_path_that_is_not_a_token_is_a_plain_404(client, db):
    response = client.get("/r/not%20a%20token")

    assert response.status_code == 404


def test_head_is_answered_but_not_counted(alice_service, client):
    link = local_link(alice_service)

    response = client.head(link.get_absolute_url())

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.clicks == 0


def test_embedded_click_is_one_atomic_update(alice_service, client):
    # given: the token is cached
    link = local_link(alice_service)
    client.get(link.get_absolute_url())

    # when
    with CaptureQueriesContext(connection) as queries:
        client.get(link.get_absolute_url())

    # then: no SELECT of the link, the count is incremented in place
    sql = [q["sql"] for q in queries.captured_queries]
    updates = [s for s in sql if s.startswith("UPDATE") and "referrals_referrallink" in s]
    assert len(updates) == 1
    assert '"clicks" = ("referrals_referrallink"."clicks" + 1)' in updates[0]
    assert not [s for s in sql if s.startswith("SELECT") and "referrals_referrallink" in s]
    link.refresh_from_db()
    assert link.clicks == 2


def test_redis_mode_redirect_touches_no_database(alice_service, client, redis_counter):
    # given: the token is cached
    link = local_link(alice_service)
    client.get(link.get_absolute_url())

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(link.get_absolute_url())

    # then
    assert response.status_code == 302
    assert queries.captured_queries == []
    link.refresh_from_db()
    assert link.clicks == 0
    assert tracking.flush_clicks() == 2
    link.refresh_from_db()
    assert link.clicks == 2
