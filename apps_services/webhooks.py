"""Sending one webhook over HTTP (SPEC §4.9), with the server-side request forgery guard.

Standard library only. The host is resolved once, every address it resolves to is checked,
and the connection goes to the checked address (the Host header and TLS name stay the
hostname), so DNS cannot answer "public" to the check and "private" to the connection.
Redirects are not followed: a 3xx is a failed delivery, never a hop to somewhere else.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

EXCERPT_CHARS = 500
USER_AGENT = "PartnerCenter-Webhook/1.0"


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
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
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


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Outcome:
    url: str
    ok: bool
    status_code: int | None = None
    latency_ms: int = 0
    excerpt: str = ""
    error: str = ""


def post(url: str, *, body: bytes, signature: str) -> Outcome:
    """POST `body` to `url`. Success means HTTP 200 within WEBHOOK_TIMEOUT_SECONDS."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        host, port, addresses = resolve(url)
    except AddressRefused as exc:
        return Outcome(url=url, ok=False, error=str(exc))
    except (OSError, UnicodeError, ValueError):
        return Outcome(url=url, ok=False, error=_("The webhook host could not be resolved."))
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=addresses[0], timeout=timeout)
    headers = {
        "Content-Type": "application/json",
        "Authorization": signature,
        "User-Agent": USER_AGENT,
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read(EXCERPT_CHARS * 4)
        status = response.status
    except TimeoutError:
        return Outcome(url=url, ok=False, latency_ms=elapsed_ms(), error=_("Timed out."))
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(
            url=url,
            ok=False,
            latency_ms=elapsed_ms(),
            error=_("Connection failed: %(reason)s") % {"reason": type(exc).__name__},
        )
    finally:
        connection.close()
    latency = elapsed_ms()
    excerpt = raw.decode("utf-8", "replace")[:EXCERPT_CHARS]
    if status != 200:
        error = _("Answered HTTP %(status)s, not 200.") % {"status": status}
    elif latency > timeout * 1000:
        error = _("Answered after more than %(seconds)s seconds.") % {"seconds": timeout}
    else:
        error = ""
    return Outcome(
        url=url,
        ok=not error,
        status_code=status,
        latency_ms=latency,
        excerpt=excerpt,
        error=error,
    )
