"""Which URLs may receive an app's auth codes and webhooks: the shape of a callback URL
(SPEC §4.3) and the server-side request forgery guard (SPEC §4.9). An app's Webhook URL is
checked at save (`App.check_rules`) and again at every delivery (`open_api.webhooks.post`),
so the guard lives with the app.

Standard library only.
"""

import ipaddress
import socket
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LOCAL_HOSTS = {"localhost", "127.0.0.1"}


class AddressRefused(Exception):
    """The URL points at an address the portal must not call."""


def private_addresses_allowed() -> bool:
    return bool(settings.DEBUG or settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES)


# Ranges Python's `is_global` (3.11) still calls global but no webhook receiver lives on:
# the 6to4 relay anycast, local-use NAT64 (RFC 8215), SRv6 SIDs and the 2024 documentation
# block.
NOT_GLOBAL = [
    ipaddress.ip_network(network)
    for network in ("192.88.99.0/24", "64:ff9b:1::/48", "5f00::/16", "3fff::/20")
]
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo): a router hands
    the packet on to it, so it must pass the same check."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    return None


def _is_forbidden(address: str) -> bool:
    """Only globally routable unicast addresses receive webhooks (no private, shared
    100.64/10 — cloud metadata lives there —, loopback, link-local, documentation,
    benchmarking, reserved or multicast address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)):
        candidates.append(embedded)
    return any(
        not candidate.is_global
        or candidate.is_multicast
        or any(candidate in network for network in NOT_GLOBAL)
        for candidate in candidates
    )


def resolve(url: str) -> tuple[str, int, list[str]]:
    """(host, port, addresses) for `url`; raises AddressRefused when any address is
    private, loopback or link-local (outside development) and OSError when DNS fails."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An AF_INET / AF_INET6 sockaddr starts with the address as a string.
    addresses = list(dict.fromkeys(cast(str, info[4][0]) for info in infos))
    if not private_addresses_allowed() and any(_is_forbidden(a) for a in addresses):
        raise AddressRefused(
            _(
                "The webhook URL resolves to a private, loopback or link-local address. "
                "Use a public address."
            )
        )
    return host, port, addresses


def address_refusal(url: str, *, at_save: bool = False) -> str | None:
    """Why `url` may not receive webhooks, or None. At save, a host that does not resolve
    (yet) is accepted: DNS may be set up after the app; delivery checks again."""
    try:
        resolve(url)
    except AddressRefused as exc:
        return str(exc)
    except (OSError, UnicodeError, ValueError):
        return None if at_save else str(_("The webhook host could not be resolved."))
    return None


def local_http_allowed() -> bool:
    """http://localhost callbacks are for development only (SPEC §4.3)."""
    return bool(settings.DEBUG or settings.ALLOW_HTTP_LOCALHOST_REDIRECTS)


def callback_url_error(url: str, *, allow_local_http: bool) -> "StrOrPromise | None":
    """Why `url` cannot receive auth codes or webhooks, or None when it can."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return gettext_lazy("Enter a valid URL.")
    if parts.scheme not in ("https", "http") or not hostname:
        return gettext_lazy("Enter a full URL starting with https://.")
    if parts.username or parts.password:
        return gettext_lazy("The URL must not contain a user name or password.")
    if parts.fragment:
        return gettext_lazy("The URL must not contain a fragment (#…).")
    if parts.scheme == "http":
        if hostname in LOCAL_HOSTS and allow_local_http:
            return None
        if hostname in LOCAL_HOSTS:
            return gettext_lazy(
                "http://localhost URLs are accepted in development only. Use https://."
            )
        return gettext_lazy("The URL must use https://.")
    return None
