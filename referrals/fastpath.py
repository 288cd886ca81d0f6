"""The public link's fast path: GET or HEAD /r/<token> of an active link, answered before Django.

The redirect needs no session, user, CSRF token, message or language; Django's request
machinery and the portal's middleware chain cost several times what the answer itself does.
`referral_fast_path(application)` wraps any WSGI application (partner_center/wsgi.py wraps
Django's) and answers only what it can answer exactly as the full stack would:

- the method is GET or HEAD, the path is /r/<token> with a well-formed token, no script
  prefix, and the request carries no control character (bad_input_middleware's rule);
- the Host is one Django accepts (ALLOWED_HOSTS, checked with Django's own validate_host);
- when SECURE_SSL_REDIRECT is on, the request is secure;
- tracking.follow — the one rule, shared with referrals.views.link_redirect — says the link
  is on. Then the click is counted (GET only) and the 302 carries the headers the full stack
  would add (SecurityMiddleware's, X-Frame-Options, Cache-Control: no-store).

Everything else is handed, untouched, to the wrapped application: the "not available" page
(404 unknown, 410 deactivated) renders with the full stack. An off or unknown link counts
nothing, so asking the rule again there cannot count a click twice.

Database connections follow Django's request semantics: what request_started and
request_finished do for them (close_old_connections: a broken or expired connection is
dropped, the next use health-checks it) the fast path does before and after the rule. It
sends no other signal: nothing of the portal listens, and per-request work is what it saves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host

from partner_center import requestid
from partner_center.middleware import CONTROL_CHARACTERS

from . import tracking

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

# ReferralLink.token is secrets.token_urlsafe(TOKEN_BYTES): base64url, no padding. Anything
# the URL pattern (<slug:token>) accepts beyond that is left to the full stack.
TOKEN_PATH = re.compile(rf"/r/([A-Za-z0-9_-]{{1,{tracking.MAX_TOKEN_LENGTH}}})")
# Hosts remembered per process; more distinct Host headers than this are checked each time.
HOST_CACHE_SIZE = 256
EMPTY_BODY = [b""]

# Headers added to every answer of the fast path, on top of the precomputed ones: each
# callable gets the environ and returns (name, value) pairs. A middleware that stamps every
# response (a request id, say) adds its counterpart here.
RESPONSE_HEADERS: list[Callable[[Environ], Iterable[tuple[str, str]]]] = []


class _Config:
    """What the settings decide, read once (and again after a settings change in tests)."""

    def __init__(self) -> None:
        self.enabled = not (
            settings.FORCE_SCRIPT_NAME or settings.PREPEND_WWW or settings.DISALLOWED_USER_AGENTS
        )
        allowed = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        self.allowed_hosts = allowed
        self.forwarded_host = settings.USE_X_FORWARDED_HOST
        self.forwarded_port = settings.USE_X_FORWARDED_PORT
        self.proxy_ssl_header = settings.SECURE_PROXY_SSL_HEADER
        # Plain HTTP under SECURE_SSL_REDIRECT: SecurityMiddleware decides (301 or exempt).
        self.ssl_redirect = settings.SECURE_SSL_REDIRECT
        self.hosts: dict[str, bool] = {}
        common = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "0")]
        # django.middleware.security.SecurityMiddleware.process_response, in its order.
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            common.append(("X-Content-Type-Options", "nosniff"))
        if settings.SECURE_REFERRER_POLICY:
            policy = settings.SECURE_REFERRER_POLICY
            if not isinstance(policy, str):
                policy = ",".join(policy)
            common.append(("Referrer-Policy", policy))
        if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
            common.append(
                ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY)
            )
        # XFrameOptionsMiddleware.
        common.append(("X-Frame-Options", settings.X_FRAME_OPTIONS.upper()))
        # Every click must reach us to be counted: no browser or proxy may replay it.
        common.append(("Cache-Control", "no-store"))
        self.headers = common
        self.secure_headers = list(common)
        if settings.SECURE_HSTS_SECONDS:
            hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
            if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                hsts += "; includeSubDomains"
            if settings.SECURE_HSTS_PRELOAD:
                hsts += "; preload"
            self.secure_headers.append(("Strict-Transport-Security", hsts))

    def host_allowed(self, environ: Environ) -> bool:
        """request.get_host() would not raise DisallowedHost (see HttpRequest._get_raw_host)."""
        if self.forwarded_host and "HTTP_X_FORWARDED_HOST" in environ:
            host = environ["HTTP_X_FORWARDED_HOST"]
        elif "HTTP_HOST" in environ:
            host = environ["HTTP_HOST"]
        else:  # HTTP/1.0 without a Host header
            host = environ["SERVER_NAME"]
            if self.forwarded_port and "HTTP_X_FORWARDED_PORT" in environ:
                port = environ["HTTP_X_FORWARDED_PORT"]
            else:
                port = str(environ["SERVER_PORT"])
            if port != ("443" if self.is_secure(environ) else "80"):
                host = f"{host}:{port}"
        allowed = self.hosts.get(host)
        if allowed is None:
            domain, _port = split_domain_port(host)
            allowed = bool(domain) and validate_host(domain, self.allowed_hosts)
            if len(self.hosts) < HOST_CACHE_SIZE:
                self.hosts[host] = allowed
        return allowed

    def is_secure(self, environ: Environ) -> bool:
        """HttpRequest.is_secure(), SECURE_PROXY_SSL_HEADER included."""
        if self.proxy_ssl_header:
            header, secure_value = self.proxy_ssl_header
            value = environ.get(header)
            if value is not None:
                return value.split(",", 1)[0].strip() == secure_value
        return environ.get("wsgi.url_scheme") == "https"


_config: list[_Config] = []


def _settings() -> _Config:
    if not _config:
        _config.append(_Config())
    return _config[0]


def _forget_settings(**kwargs: Any) -> None:
    _config.clear()


setting_changed.connect(_forget_settings)


def _clean(environ: Environ) -> bool:
    """No control character where bad_input_middleware looks (the query, the headers but
    cookies): such a request gets that middleware's 400 from the full stack."""
    query = environ.get("QUERY_STRING", "")
    # A percent-escape may decode to one; plain characters never do.
    if query and ("%" in query or CONTROL_CHARACTERS.search(query)):
        return False
    headers = "".join(
        key + value
        for key, value in environ.items()
        if key.startswith("HTTP_") and key != "HTTP_COOKIE"
    )
    return not CONTROL_CHARACTERS.search(headers)


class ReferralFastPath:
    """The WSGI application: answers an active link itself, hands the rest to `app`."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method != "GET" and method != "HEAD":
            return self.app(environ, start_response)
        match = TOKEN_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or environ.get("SCRIPT_NAME"):
            return self.app(environ, start_response)
        config = _settings()
        if not config.enabled or not config.host_allowed(environ) or not _clean(environ):
            return self.app(environ, start_response)
        secure = config.is_secure(environ)
        if config.ssl_redirect and not secure:
            return self.app(environ, start_response)
        token = match.group(1)
        close_old_connections()
        try:
            _link_id, is_on = tracking.follow(token, count=method == "GET")
        except Exception:
            # Nothing was counted (the count commits last): the full stack answers and logs.
            is_on = False
        finally:
            close_old_connections()
        if not is_on:
            return self.app(environ, start_response)
        headers = [
            ("Location", tracking.landing_location(token)),
            *(config.secure_headers if secure else config.headers),
            # As request_id_middleware does for every other response.
            (requestid.HEADER, requestid.accept(environ.get(requestid.META_KEY))),
        ]
        for extra in RESPONSE_HEADERS:
            headers.extend(extra(environ))
        start_response("302 Found", headers)
        return EMPTY_BODY


def referral_fast_path(app: WSGIApp) -> WSGIApp:
    """Put the public link's fast path in front of a WSGI application."""
    return ReferralFastPath(app)
