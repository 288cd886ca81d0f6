"""SPEC §9.7, §8.1, §8.3: the app's IP allow-list page. The owner (or a member with App &
Service at manage) adds addresses and ranges and removes them; every edit is in the security
log and the app's history; bad input gets a clear message; another account's app is a 404."""

import pytest
from django.urls import reverse

from accounts.models import AccountEvent
from apps_services.models import AppEvent
from open_api.models import AllowedNetwork
from tests.apps_services.conftest import make_app, make_developer
from tests.conftest import make_member


@pytest.fixture
def alice_app(alice, rita):
    make_developer(alice, state="approved", reviewer=rita)
    return make_app(alice, name="Alice Order Sync")


def page_url(app) -> str:
    return reverse("console:ip-allow-list", kwargs={"pk": app.pk})


def add(client, app, network: str, note: str = ""):
    return client.post(
        reverse("console:ip-allow-list-add", kwargs={"pk": app.pk}),
        {"network": network, "note": note},
    )


def remove(client, app, allowed: AllowedNetwork):
    return client.post(
        reverse("console:ip-allow-list-remove", kwargs={"pk": app.pk, "network_id": allowed.pk})
    )


def test_the_page_says_an_empty_list_lets_every_address_call(alice_client, alice_app):
    # when
    response = alice_client.get(page_url(alice_app), REMOTE_ADDR="198.51.100.23")

    # then
    assert response.status_code == 200
    assert "calls are accepted from any address" in response.text
    assert "address is 198.51.100.23" in response.text
    assert "come from your servers" in response.text
    assert 'aria-current="page"' in response.text


def test_the_owner_adds_an_ipv4_address_and_it_is_audited(alice_client, alice, alice_app):
    # when
    response = add(alice_client, alice_app, " 203.0.113.7 ", note="Build server")

    # then
    assert response.status_code == 302
    allowed = AllowedNetwork.objects.get(app=alice_app)
    assert (allowed.network, allowed.note, allowed.created_by) == (
        "203.0.113.7",
        "Build server",
        alice,
    )
    event = AccountEvent.objects.get(event_type=AccountEvent.Type.ALLOW_LIST_CHANGED)
    assert event.user == alice
    assert event.acting_user == alice
    assert event.details == {
        "added": "203.0.113.7",
        "app": f"Alice Order Sync ({alice_app.app_key})",
    }
    history = AppEvent.objects.get(app=alice_app, kind=AppEvent.Kind.EDITED)
    assert "203.0.113.7 added" in history.note
    assert "203.0.113.7" in alice_client.get(page_url(alice_app)).text


def test_ipv6_is_stored_in_its_canonical_form(alice_client, alice_app):
    # when
    add(alice_client, alice_app, "2001:DB8:0:0:0:0:0:7")
    add(alice_client, alice_app, "2001:0db8:00aa::/48")

    # then
    assert sorted(AllowedNetwork.objects.values_list("network", flat=True)) == [
        "2001:db8::7",
        "2001:db8:aa::/48",
    ]


def test_a_range_with_host_bits_set_is_refused_saying_so(alice_client, alice_app):
    # when
    response = add(alice_client, alice_app, "203.0.113.7/24")

    # then
    assert response.status_code == 400
    assert "has host bits set" in response.text
    assert "203.0.113.0/24" in response.text
    assert not AllowedNetwork.objects.exists()


@pytest.mark.parametrize("bad", ["", "not-an-ip", "300.1.1.1", "203.0.113.0/33", "::g"])
def test_bad_input_gets_a_clear_message(alice_client, alice_app, bad):
    # when
    response = add(alice_client, alice_app, bad)

    # then
    assert response.status_code == 400
    assert "error-summary" in response.text
    assert not AllowedNetwork.objects.exists()
    assert not AccountEvent.objects.filter(event_type=AccountEvent.Type.ALLOW_LIST_CHANGED)


def test_a_duplicate_is_refused(alice_client, alice_app):
    # given
    add(alice_client, alice_app, "203.0.113.0/24")

    # when: the same network, written differently
    response = add(alice_client, alice_app, "203.0.113.0/24 ")

    # then
    assert response.status_code == 400
    assert "already on the list" in response.text
    assert AllowedNetwork.objects.count() == 1


def test_removing_is_audited_and_the_last_one_lifts_the_restriction(alice_client, alice, alice_app):
    # given
    add(alice_client, alice_app, "203.0.113.0/24")
    allowed = AllowedNetwork.objects.get()

    # when
    response = remove(alice_client, alice_app, allowed)
    again = remove(alice_client, alice_app, allowed)

    # then
    assert response.status_code == again.status_code == 302
    assert not AllowedNetwork.objects.exists()
    removed = (
        AccountEvent.objects.filter(event_type=AccountEvent.Type.ALLOW_LIST_CHANGED)
        .order_by("pk")
        .last()
    )
    assert removed.details["removed"] == "203.0.113.0/24"
    assert AppEvent.objects.filter(app=alice_app, note__contains="removed").count() == 1
    page = alice_client.get(page_url(alice_app)).text
    assert "calls are accepted from any address" in page


def test_another_accounts_app_is_a_404(client, bob, alice_app):
    # given
    allowed = AllowedNetwork.objects.create(app=alice_app, network="203.0.113.0/24")
    client.force_login(bob)

    # when
    answers = [
        client.get(page_url(alice_app)),
        add(client, alice_app, "198.51.100.0/24"),
        remove(client, alice_app, allowed),
    ]

    # then
    assert [response.status_code for response in answers] == [404, 404, 404]
    assert AllowedNetwork.objects.get() == allowed


def test_a_viewer_reads_the_list_but_cannot_edit_it(client, alice, alice_app):
    # given
    allowed = AllowedNetwork.objects.create(app=alice_app, network="203.0.113.0/24")
    client.force_login(make_member(account=alice, email="vic@example.com", role="viewer"))

    # when
    page = client.get(page_url(alice_app))
    added = add(client, alice_app, "198.51.100.0/24")
    removed = remove(client, alice_app, allowed)

    # then
    assert page.status_code == 200
    assert "203.0.113.0/24" in page.text
    assert "ip-allow-list/add/" not in page.text
    assert added.status_code == removed.status_code == 403
    assert list(AllowedNetwork.objects.values_list("network", flat=True)) == ["203.0.113.0/24"]


def test_a_member_with_app_and_service_edits_it_for_the_account(client, alice, alice_app):
    # given
    member = make_member(account=alice, email="max@example.com", role={"apps": 2})
    client.force_login(member)

    # when
    response = add(client, alice_app, "198.51.100.0/24")

    # then
    assert response.status_code == 302
    event = AccountEvent.objects.get(event_type=AccountEvent.Type.ALLOW_LIST_CHANGED)
    assert (event.user, event.acting_user) == (alice, member)


def test_a_member_without_app_and_service_is_refused(client, alice, alice_app):
    # given
    client.force_login(make_member(account=alice, email="nat@example.com", role={"team": 2}))

    # when
    response = client.get(page_url(alice_app))

    # then
    assert response.status_code == 403
