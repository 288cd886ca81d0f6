"""SPEC §3.14: a blacklisted account can log in and read, but every write is refused.

The walk over every write URL is in tests/compliance/test_blacklist_everywhere.py."""

import pytest

from accounts.models import AccountBlacklisted


@pytest.fixture
def blacklisted(alice):
    alice.blacklist(by=None, reason="three security review rejections")
    return alice


def test_blacklisted_account_can_still_read_its_pages(client, blacklisted):
    client.force_login(blacklisted)

    assert client.get("/my-account/profile/").status_code == 200


def test_blacklisted_account_changes_nothing_through_the_code_flow(client, blacklisted, mailoutbox):
    client.force_login(blacklisted)

    client.post("/my-account/change/email/", {"action": "send", "channel": "email"})

    assert mailoutbox == []
    assert not blacklisted.verification_codes.exists()


def test_blacklisted_account_can_log_out(client, blacklisted):
    client.force_login(blacklisted)

    client.post("/account/logout/")

    assert "_auth_user_id" not in client.session


def test_services_refuse_a_blacklisted_account_outside_views(blacklisted):
    with pytest.raises(AccountBlacklisted):
        blacklisted.ensure_can_write()


def test_blacklisting_twice_keeps_the_first_date(blacklisted):
    first = blacklisted.blacklisted_at

    blacklisted.blacklist(by=None, reason="again")

    assert blacklisted.blacklisted_at == first


def test_seller_center_pages_are_not_blocked_by_a_partner_blacklist(client, blacklisted):
    # given a blacklisted partner signed in to Partner Center in the same browser
    client.force_login(blacklisted)

    # when a seller uses the Seller Center stand-in login
    response = client.post("/seller/login/", {"login": "nobody@example.com", "password": "x"})

    # then the stand-in answers for itself (its own form error), not the partner blacklist
    assert response.status_code != 403


def test_blacklisting_records_one_account_event(blacklisted):
    blacklisted.blacklist(by=None, reason="again")

    assert list(blacklisted.account_events.values_list("event_type", "details")) == [
        ("blacklist_set", {"reason": "three security review rejections"})
    ]


def test_a_lifted_blacklist_lets_the_account_write_again(blacklisted):
    blacklisted.lift_blacklist(by=None, reason="appeal upheld")

    blacklisted.refresh_from_db()
    blacklisted.ensure_can_write()
    assert blacklisted.account_events.first().event_type == "blacklist_lifted"
