"""SPEC §9.7: an app's IP allow-list on the Open API. A call from outside a non-empty list is
refused with IP_NOT_ALLOWED (HTTP 403) naming the address seen, once the app is known; an
empty list accepts calls from anywhere; an edit applies on the very next call; a warm call
still reads nothing from the database."""

import json

import pytest

from apps_services import credentials
from open_api import allow_list
from open_api.services import ErrorCode
from partner_center.handlers import PortalHandler

from .conftest import SHOPS_PATH, get_token, secret_of, signed_params, tokens_for
from .test_hot_paths import call


@pytest.fixture
def granted(sam_client, alice_app):
    return alice_app, secret_of(alice_app), tokens_for(sam_client, alice_app)["access_token"]


def allow(app, network: str) -> None:
    allow_list.add_allowed_network(app_id=app.pk, by=app.owner, network=network)


def shops_from(client, granted, address: str, **extra):
    app, secret, token = granted
    return client.get(
        SHOPS_PATH,
        signed_params(app, SHOPS_PATH, secret=secret),
        headers={"x-tts-access-token": token},
        REMOTE_ADDR=address,
        **extra,
    )


def assert_refused(response, address: str):
    body = response.json()
    assert response.status_code == 403
    assert body["code"] == ErrorCode.IP_NOT_ALLOWED == 36009007
    assert address in body["message"]
    assert "X-RateLimit-Limit" in response  # refusals carry the rate-limit headers too


def test_an_empty_list_accepts_calls_from_anywhere(client, granted):
    # when
    answers = [shops_from(client, granted, address) for address in ("198.51.100.1", "2001:db8::1")]

    # then
    assert [response.status_code for response in answers] == [200, 200]


def test_an_ipv4_address_on_the_list_may_call_and_no_other(client, granted):
    # given
    allow(granted[0], "203.0.113.7")

    # when
    listed = shops_from(client, granted, "203.0.113.7")
    neighbour = shops_from(client, granted, "203.0.113.8")

    # then
    assert listed.status_code == 200
    assert_refused(neighbour, "203.0.113.8")


def test_a_cidr_range_admits_its_addresses(client, granted):
    # given
    allow(granted[0], "203.0.113.0/24")

    # when
    inside = shops_from(client, granted, "203.0.113.200")
    outside = shops_from(client, granted, "203.0.114.1")

    # then
    assert inside.status_code == 200
    assert_refused(outside, "203.0.114.1")


def test_ipv6_addresses_are_compared_whole_and_ranges_by_prefix(client, granted):
    # given: one address, and a /48 elsewhere
    allow(granted[0], "2001:db8::7")
    allow(granted[0], "2001:db8:aa::/48")

    # when
    listed = shops_from(client, granted, "2001:db8::7")
    same_64 = shops_from(client, granted, "2001:db8::8")  # same /64, another host
    in_range = shops_from(client, granted, "2001:db8:aa:1::99")
    ipv4 = shops_from(client, granted, "203.0.113.7")

    # then
    assert listed.status_code == 200
    assert_refused(same_64, "2001:db8::8")
    assert in_range.status_code == 200
    assert_refused(ipv4, "203.0.113.7")


def test_the_token_endpoints_refuse_an_address_off_the_list(sam_client, alice_app):
    # given
    from .conftest import authorize

    code = authorize(sam_client, alice_app)
    allow(alice_app, "198.51.100.0/24")

    # when
    refused = sam_client.get(
        "/api/v2/token/get",
        {
            "app_key": alice_app.app_key,
            "app_secret": secret_of(alice_app),
            "auth_code": code,
            "grant_type": "authorized_code",
        },
        REMOTE_ADDR="192.0.2.1",
    )
    wrong_secret = sam_client.get(
        "/api/v2/token/get",
        {
            "app_key": alice_app.app_key,
            "app_secret": "x",
            "auth_code": code,
            "grant_type": "authorized_code",
        },
        REMOTE_ADDR="192.0.2.1",
    )

    # then: refused once the app is known; a stranger without the secret learns nothing
    assert_refused(refused, "192.0.2.1")
    assert wrong_secret.json()["code"] == ErrorCode.WRONG_APP_SECRET
    # the code was not spent: the test client's own 127.0.0.1 is refused too, and from an
    # address on the list the exchange works
    assert_refused(get_token(sam_client, alice_app, code), "127.0.0.1")
    ok = sam_client.get(
        "/api/v2/token/get",
        {
            "app_key": alice_app.app_key,
            "app_secret": secret_of(alice_app),
            "auth_code": code,
            "grant_type": "authorized_code",
        },
        REMOTE_ADDR="198.51.100.9",
    )
    assert ok.json()["code"] == 0, ok.json()


def test_an_edit_applies_on_the_very_next_call(client, granted):
    # given: a warm process
    app = granted[0]
    assert shops_from(client, granted, "192.0.2.1").status_code == 200

    # when / then
    allow(app, "203.0.113.7")
    assert_refused(shops_from(client, granted, "192.0.2.1"), "192.0.2.1")
    network = app.allowed_networks.get()
    allow_list.remove_allowed_network(app_id=app.pk, by=app.owner, network_id=network.pk)
    assert shops_from(client, granted, "192.0.2.1").status_code == 200


def test_the_address_behind_trusted_proxies_is_the_one_checked(client, granted, settings):
    # given
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    allow(granted[0], "203.0.113.7")

    # when: the proxy (10.0.0.2) appends the client's address
    through_proxy = shops_from(client, granted, "10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    spoofed = shops_from(client, granted, "10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7, 192.0.2.1")

    # then
    assert through_proxy.status_code == 200
    assert_refused(spoofed, "192.0.2.1")


def test_a_warm_call_with_an_allow_list_reads_nothing_from_the_database(
    granted, django_assert_num_queries
):
    # given
    app, secret, token = granted
    allow(app, "127.0.0.0/8")
    credentials.forget_all()
    portal = PortalHandler()

    def shops():
        return call(
            portal,
            SHOPS_PATH,
            signed_params(app, SHOPS_PATH, secret=secret),
            {"x-tts-access-token": token},
        )

    shops()

    # when
    with django_assert_num_queries(0):
        status, headers, body = shops()

    # then
    assert status == 200, body
    assert json.loads(body)["code"] == 0
    assert "X-RateLimit-Remaining" in headers


def test_the_openapi_document_explains_the_refusal(client, db):
    # when
    description = client.get("/open/openapi.json").json()["info"]["description"]

    # then
    assert "| 36009007 | the call came from an address outside the app's IP" in description
    assert "IP allow-list" in description
