"""Sending one webhook over HTTP (SPEC §4.9), behind the server-side request forgery guard
of `apps_services.addresses`.

Standard library only. The host is resolved once, every address it resolves to is checked,
and the connection goes to the checked address (the Host header and TLS name stay the
hostname), so DNS cannot answer "public" to the check and "private" to the connection.
Redirects are not followed: a 3xx is a failed delivery, never a hop to somewhere else.
"""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from apps_services.addresses import AddressRefused, resolve

EXCERPT_CHARS = 500
USER_AGENT = "PartnerCenter-Webhook/1.0"
# The event's stable id (the body's tts_notification_id): the same on every attempt and every
# redelivery, so a receiver that stores it can drop a repeat.
EVENT_ID_HEADER = "X-Event-ID"
# 1 for the first POST of an event, then 2, 3, ... (redeliveries continue the count).
ATTEMPT_HEADER = "X-Delivery-Attempt"


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


def post(
    url: str, *, body: bytes, signature: str, event_id: str = "", attempt: int | None = None
) -> Outcome:
    """POST `body` to `url`. Success means HTTP 200 within WEBHOOK_TIMEOUT_SECONDS. The
    event id and attempt number travel in headers, outside the signed body."""
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
    if event_id:
        headers[EVENT_ID_HEADER] = event_id
    if attempt is not None:
        headers[ATTEMPT_HEADER] = str(attempt)
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
