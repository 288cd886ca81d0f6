"""SPEC §4.9: webhooks go only to globally routable unicast addresses. The host is resolved
at save and again at delivery (DNS may change in between), and the connection goes to the
address that was checked. Every special-purpose range is refused, at both moments."""

import socket

import pytest
from django.core.exceptions import ValidationError

from open_api import webhooks

from .conftest import make_app

HOOK_URL = "https://hooks.alice.example/tts"

# address a hostname resolves to → what it is
SPECIAL = {
    "0.0.0.1": "this network 0.0.0.0/8",
    "0.0.0.0": "unspecified",  # noqa: S104 (a test value, nothing binds)
    "10.1.2.3": "private 10/8",
    "100.64.0.1": "shared address space 100.64/10",
    "100.100.100.200": "cloud metadata on 100.64/10",
    "127.0.0.1": "loopback 127/8",
    "127.255.0.9": "loopback, not .1",
    "169.254.169.254": "link-local 169.254/16 (cloud metadata)",
    "172.16.5.4": "private 172.16/12",
    "172.31.255.254": "private 172.16/12, upper end",
    "192.0.0.1": "IETF protocol assignments 192.0.0/24",
    "192.0.2.10": "documentation TEST-NET-1",
    "192.88.99.1": "6to4 relay anycast",
    "192.168.0.10": "private 192.168/16",
    "198.18.0.1": "benchmarking 198.18/15",
    "198.19.255.1": "benchmarking 198.18/15, upper half",
    "198.51.100.7": "documentation TEST-NET-2",
    "203.0.113.7": "documentation TEST-NET-3",
    "224.0.0.1": "multicast 224/4",
    "239.255.255.250": "multicast (SSDP)",
    "240.0.0.1": "reserved 240/4",
    "255.255.255.255": "limited broadcast",
    "::1": "IPv6 loopback",
    "::": "IPv6 unspecified",
    "fc00::1": "unique local fc00::/7",
    "fd12:3456::1": "unique local fd00::/8",
    "fe80::1": "IPv6 link-local",
    "ff02::1": "IPv6 multicast",
    "ff0e::1": "IPv6 global-scope multicast",
    "::ffff:127.0.0.1": "IPv4-mapped loopback",
    "::ffff:10.0.0.1": "IPv4-mapped private",
    "::ffff:100.100.100.200": "IPv4-mapped cloud metadata",
    "64:ff9b::a00:1": "NAT64 of 10.0.0.1",
    "64:ff9b::a9fe:a9fe": "NAT64 of 169.254.169.254",
    "64:ff9b:1::1": "local-use NAT64 64:ff9b:1::/48",
    "2002:a00:1::1": "6to4 of 10.0.0.1",
    "2001:db8::1": "IPv6 documentation 2001:db8::/32",
    "3fff::1": "IPv6 documentation 3fff::/20",
    "2001::1": "Teredo 2001::/32",
    "100::1": "IPv6 discard-only 100::/64",
    "2001:10::1": "ORCHID",
}
PUBLIC = ["93.184.215.14", "2606:4700::1111", "::ffff:93.184.215.14", "64:ff9b::5db8:d70e"]


def resolving_to(monkeypatch, address: str) -> list[tuple]:
    """Make every hostname resolve to `address`; record the connections that are opened."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sockaddr = (address, 443, 0, 0) if family == socket.AF_INET6 else (address, 443)

    def getaddrinfo(host, port, *args, **kwargs):
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

    connections: list[tuple] = []

    def create_connection(address, timeout=None, *args, **kwargs):
        connections.append(address)
        raise ConnectionRefusedError("no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return connections


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize("address", SPECIAL.keys())
def test_a_webhook_url_resolving_to_a_special_address_is_refused_at_save(
    certified_alice, production, monkeypatch, address
):
    # given
    resolving_to(monkeypatch, address)

    # when
    with pytest.raises(ValidationError) as refused:
        make_app(certified_alice, webhook_url=HOOK_URL)

    # then
    assert "Use a public address" in str(refused.value.message_dict["webhook_url"]), SPECIAL[
        address
    ]


@pytest.mark.parametrize("address", SPECIAL.keys())
def test_a_webhook_to_a_special_address_is_never_connected_to_at_delivery(
    production, monkeypatch, address
):
    # given: the URL was public at save; its DNS now answers a special address
    connections = resolving_to(monkeypatch, address)

    # when
    outcome = webhooks.post(HOOK_URL, body=b"{}", signature="sig")

    # then
    assert not outcome.ok
    assert "Use a public address" in outcome.error, SPECIAL[address]
    assert connections == []


@pytest.mark.parametrize("address", SPECIAL.keys())
def test_a_special_address_written_in_the_url_is_refused_too(certified_alice, production, address):
    host = f"[{address}]" if ":" in address else address

    with pytest.raises(ValidationError) as refused:
        make_app(certified_alice, webhook_url=f"https://{host}/hook")

    assert "webhook_url" in refused.value.message_dict


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_is_accepted_and_connected_to(
    certified_alice, production, monkeypatch, address
):
    # given
    connections = resolving_to(monkeypatch, address)

    # when
    app = make_app(certified_alice, webhook_url=HOOK_URL)
    outcome = webhooks.post(app.webhook_url, body=b"{}", signature="sig")

    # then: saved, and the connection went to the checked address (the receiver is absent)
    assert app.webhook_url == HOOK_URL
    assert connections == [(address, 443)]
    assert "Connection failed" in outcome.error


def test_one_special_address_among_public_ones_refuses_the_host(production, monkeypatch):
    # given: DNS answers a public and a metadata address (a rebinding attempt)
    connections: list = []
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *args, **kwargs: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("100.100.100.200", 443)),
        ],
    )
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connections.append(a))

    # when
    outcome = webhooks.post(HOOK_URL, body=b"{}", signature="sig")

    # then
    assert "Use a public address" in outcome.error
    assert connections == []


@pytest.mark.parametrize("escape_hatch", ["DEBUG", "WEBHOOK_ALLOW_PRIVATE_ADDRESSES"])
def test_development_may_still_use_a_private_receiver(
    certified_alice, settings, monkeypatch, escape_hatch
):
    # given
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    setattr(settings, escape_hatch, True)
    connections = resolving_to(monkeypatch, "100.100.100.200")

    # when
    app = make_app(certified_alice, webhook_url=HOOK_URL)
    webhooks.post(app.webhook_url, body=b"{}", signature="sig")

    # then
    assert connections == [("100.100.100.200", 443)]
