"""Every rate limit of the portal goes through this module, on django-ratelimit's counters.

`hit` counts one event and says whether it went over the rate; `check` only looks. Both
answer a `Limit` that carries the seconds until the window ends (the `Retry-After`).

The counters live in the Django cache. When the cache cannot be reached, a limit is not
applied (it *fails open*) and a warning is logged: a Redis outage must not turn every login
and every Open API call into a server error, and the password checks behind the limits still
stand. Availability wins over throttling for the length of the outage, deliberately.

`FailedLogins` is the one rule for the three password logins (partner, admin, Seller Center):

* per account: past its budget of wrong passwords, the account is locked for the window,
  from everywhere, even with the right password (it is the one under attack);
* per IP: past its budget, a wrong password is answered with the throttle message, but a
  right password still logs in, so one guesser behind a shared NAT does not lock out every
  colleague behind it;
* per IP, a hard ceiling: past it, nothing from that IP is checked (password spraying over
  many accounts, which the per-account budget cannot see).
"""

import functools
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django_ratelimit import ALL
from django_ratelimit.core import (
    EXPIRATION_FUDGE,
    _get_window,
    _make_cache_key,
    _split_rate,
    get_usage,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    limited: bool
    retry_after: int = 0  # seconds until the window ends; 0 when not limited


NOT_LIMITED = Limit(limited=False)


def _usage(*, scope: str, key: str, rate: str, increment: bool) -> dict | None:
    try:
        # django-ratelimit keys by (group, value); the request only matters for other key
        # kinds and for `method`, which is ALL here.
        return get_usage(
            None,
            group=f"pc:{scope}",
            key=lambda _group, _request: key,
            rate=rate,
            increment=increment,
        )
    except Exception as exc:  # the cache (Redis) is unreachable or failing
        logger.warning(
            "Rate limit %s not applied: the cache failed (%s).", scope, exc.__class__.__name__
        )
        return None


def _limit(usage: dict | None, *, scope: str, over: bool) -> Limit:
    if usage is None:
        return NOT_LIMITED
    if usage["limit"] == 0 and usage["time_left"] == -1:
        # django-ratelimit's own "the cache failed" answer (RATELIMIT_FAIL_OPEN off).
        logger.warning("Rate limit %s not applied: the cache did not count.", scope)
        return NOT_LIMITED
    if not over:
        return NOT_LIMITED
    return Limit(limited=True, retry_after=max(1, int(usage["time_left"])))


def hit(*, scope: str, key: str, rate: str) -> Limit:
    """Count one event for (scope, key); limited when this one is over `rate` ("50/s")."""
    usage = _usage(scope=scope, key=key, rate=rate, increment=True)
    return _limit(usage, scope=scope, over=bool(usage and usage["count"] > usage["limit"]))


@dataclass(frozen=True)
class Window:
    """The counter `hit` would count (scope, key) in right now, for a caller that counts it
    itself in a round trip to the cache it makes anyway (the Open API): same cache key,
    same window, so `hit` and `check` see the same count."""

    counter: str  # the cache key
    limit: int
    expires_in: int  # seconds the counter lives (set when it is created)
    ends_at: float  # Unix time the window ends

    def usage(self, count: int | None, *, limit: int, scope: str) -> "Usage":
        """What `count` (the cache's answer; None or 0: it did not count) leaves of `limit`
        requests in this window, for the X-RateLimit-* headers."""
        reset = max(1, math.ceil(self.ends_at - time.time()))
        if not count:
            logger.warning("Rate limit %s not applied: the cache did not count.", scope)
            return Usage(limit=limit, remaining=limit, reset=reset, counted=False)
        return Usage(limit=limit, remaining=max(0, limit - count), reset=reset, over=count > limit)


@dataclass(frozen=True)
class Usage:
    """One counted event against a limit the caller chose after counting."""

    limit: int  # events per window
    remaining: int  # events left in this window (never below 0)
    reset: int  # seconds until the window ends, at least 1
    over: bool = False  # this event is past the limit
    counted: bool = True  # False: the cache did not count (the limit is not applied)

    @property
    def retry_after(self) -> int:
        return self.reset


def second(*, scope: str, key: str) -> Window:
    """The one-second window of (scope, key), whatever the limit: for a caller that learns
    its limit only from what the counting round trip fetched (the Open API), and compares
    with `Window.usage`. Its `limit` is not the caller's."""
    return window(scope=scope, key=key, rate="1/s")


def window(*, scope: str, key: str, rate: str) -> Window:
    limit, period = _split_rate(rate)
    return _window(f"pc:{scope}", key, rate, limit, period, _get_window(key, period))


@functools.lru_cache(maxsize=4096)
def _window(group: str, key: str, rate: str, limit: int, period: int, ends_at: int) -> Window:
    # The same counter for every call of a key within its window (hashing it costs).
    return Window(
        counter=_make_cache_key(group, ends_at, rate, key, ALL),
        limit=limit,
        expires_in=period + EXPIRATION_FUDGE,
        ends_at=ends_at,
    )


def check(*, scope: str, key: str, rate: str) -> Limit:
    """Without counting: limited when the events counted so far have used up `rate`."""
    usage = _usage(scope=scope, key=key, rate=rate, increment=False)
    return _limit(usage, scope=scope, over=bool(usage and usage["count"] >= usage["limit"]))


def client_address(request) -> str:
    """The client's address as allauth sees it (ALLAUTH_TRUSTED_PROXY_COUNT and
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER apply), whole: what an IP allow-list compares."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter().get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        # A forwarded-for header shorter than the proxy count, or no address at all: limit
        # by the connection's address rather than answer a server error.
        return request.META.get("REMOTE_ADDR") or "unknown"


def client_ip(request) -> str:
    """`client_address`, IPv6 reduced to its /64 for rate limits: one host has them all."""
    ip = client_address(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


class FailedLogins:
    """Wrong-password budgets for one login attempt (see the module docstring).

    Call `blocked()` before checking the password and `record_failure()` after a wrong one.
    A wrong password is charged to the login, or with `per_ip_account` to the (IP, login)
    pair, so that nobody can lock an account out from elsewhere (Seller Center).
    """

    def __init__(self, request, *, scope: str, login: str, per_ip_account: bool = False):
        self.scope = scope
        self.ip = client_ip(request)
        login = (login or "").strip().lower()
        self.account = f"{self.ip} {login}" if per_ip_account else login

    def blocked(self) -> Limit:
        """Refuse before the password is checked: the account is locked, or the IP is past
        its hard ceiling."""
        account = check(
            scope=f"{self.scope}:account",
            key=self.account,
            rate=settings.LOGIN_FAILURES_PER_ACCOUNT,
        )
        if account.limited:
            return account
        return check(
            scope=f"{self.scope}:ip-max", key=self.ip, rate=settings.LOGIN_FAILURES_PER_IP_MAX
        )

    def record_failure(self) -> Limit:
        """Count a wrong password. Limited when this IP is past its budget: the answer is then
        the throttle message rather than "wrong password" (a right one still gets in)."""
        hit(
            scope=f"{self.scope}:account",
            key=self.account,
            rate=settings.LOGIN_FAILURES_PER_ACCOUNT,
        )
        hit(scope=f"{self.scope}:ip-max", key=self.ip, rate=settings.LOGIN_FAILURES_PER_IP_MAX)
        return hit(scope=f"{self.scope}:ip", key=self.ip, rate=settings.LOGIN_FAILURES_PER_IP)
