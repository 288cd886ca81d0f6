"""The API testing tool's call: the portal signs a request as the app and sends it to its own
Open API, in this process, through the same request path an external call takes.

An HTTP request to ourselves would tie up a second worker (a sync gunicorn worker waits on
itself), so the request is built as a WSGI environ and handed to the lean handler of
partner_center/handlers.py: the same middleware chain, the same routes and views, hence the
same rate limit and the same call log as a call from the developer's server.
"""

import io
import json
import shlex
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.urls import get_urlconf, set_urlconf
from django.utils import timezone

from accounts.permissions import Module, ensure
from apps_services import credentials
from open_api import signing
from open_api.debugger import SECRET_PLACEHOLDER
from open_api.endpoints import Endpoint
from open_api.models import AccessToken, Authorization
from partner_center import handlers, requestid

# The tool's access tokens: long enough to read the answer, short enough to be worthless.
TOKEN_TTL = timedelta(minutes=10)
# The parameters the portal fills in itself (signing.py); the developer fills the rest.
FILLED_BY_THE_PORTAL = frozenset({"app_key", "timestamp", "sign"})
TOKEN_HEADER = "x-tts-access-token"  # noqa: S105  (a header name)

_lean = None
_lean_lock = threading.Lock()


def _handler():
    """The lean handler, built once per process (its middleware is loaded at build)."""
    global _lean
    with _lean_lock:
        if _lean is None:
            lean = handlers._LeanHandler()
            lean.load_middleware()
            _lean = lean
    return _lean


@dataclass
class TestCall:
    """What the page shows of one call. Never the app secret; the token only masked."""

    method: str
    url: str
    canonical: str  # the string signed, with SECRET_PLACEHOLDER for the secret
    sign: str
    curl: str
    status: int
    body: str
    request_id: str
    header_request_id: str
    token_issued: bool
    token_expires_at: object = None


def mask(token: str) -> str:
    return f"{token[:4]}…{token[-4:]}" if len(token) > 12 else "…"


def issue_token(*, by, authorization: Authorization) -> tuple[str, object]:
    """A fresh access token for the tool's call: the portal keeps only hashes of the tokens
    it issued, so it cannot reuse the developer's. Short-lived, and a row like any other."""
    ensure(by, Module.AUTHORIZATIONS)
    expires_at = timezone.now() + TOKEN_TTL
    with transaction.atomic():
        token, _row = AccessToken.issue(
            authorization=authorization, auth_code_id=None, expires_at=expires_at
        )
    return token, expires_at


def _curl(method: str, url: str, headers: dict[str, str], body: bytes) -> str:
    parts = ["curl", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        parts += ["--data-raw", shlex.quote(body.decode(errors="replace"))]
    return " ".join(parts)


def _environ(outer, *, method: str, path: str, query: str, headers: dict, body: bytes) -> dict:
    """A WSGI environ for the call, from the page's request: the same host and scheme (so
    the security middleware neither refuses nor redirects it) and the developer's address
    (the rate limit and the call log see who made it)."""
    host = outer.get_host()
    name, _sep, port = host.partition(":")
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": name,
        "SERVER_PORT": port or ("443" if outer.is_secure() else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": outer.META.get("REMOTE_ADDR", "127.0.0.1"),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": headers.pop("content-type", ""),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": outer.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for key in ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_USER_AGENT"):
        if key in outer.META:
            environ[key] = outer.META[key]
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _send(environ: dict):
    """The lean handler's answer to `environ`, leaving the page's own request as it was:
    its request id, and the URLconf its templates reverse against."""
    outer_id, outer_urlconf = requestid.current(), get_urlconf()
    request = WSGIRequest(environ)
    request.urlconf = handlers.LEAN_URLCONF  # type: ignore[attr-defined]
    try:
        # Not the handler's __call__: its request_finished signal would close the page's
        # database connection. Nor response.close(), for the same reason.
        return _handler().get_response(request)
    finally:
        requestid.request_id.set(outer_id)
        set_urlconf(outer_urlconf)


def call(
    *,
    by,
    outer,
    authorization: Authorization,
    endpoint: Endpoint,
    params: dict[str, str],
    needs_token: bool,
    body: bytes = b"",
    content_type: str = "",
) -> TestCall:
    """Sign `params` for `endpoint` as the authorization's app and call the Open API."""
    app = credentials.lookup(authorization.app.app_key)
    if app is None:  # the row is there: only a deleted app could do this, and none is
        raise LookupError(authorization.app.app_key)
    signed = {**params, "app_key": app.app_key, "timestamp": str(int(time.time()))}
    canonical = signing.string_to_sign(
        secret=app.secret,
        path=endpoint.path,
        params=signed,
        body=body,
        content_type=content_type,
    )
    middle = canonical[len(app.secret) : len(canonical) - len(app.secret)]
    shown = SECRET_PLACEHOLDER + middle.decode(errors="replace") + SECRET_PLACEHOLDER
    sign = signing.request_signature(
        secret=app.secret, path=endpoint.path, params=signed, body=body, content_type=content_type
    )
    query = urlencode({**signed, "sign": sign})
    headers: dict[str, str] = {}
    token, expires_at = "", None
    if needs_token:
        token, expires_at = issue_token(by=by, authorization=authorization)
        headers[TOKEN_HEADER] = token
    if content_type:
        headers["content-type"] = content_type
    base = f"{outer.scheme}://{outer.get_host()}"
    url = f"{base}{endpoint.path}?{query}"
    shown_headers = {**headers, **({TOKEN_HEADER: mask(token)} if token else {})}
    curl = _curl(endpoint.method, url, shown_headers, body)
    response = _send(
        _environ(
            outer,
            method=endpoint.method,
            path=endpoint.path,
            query=query,
            headers=dict(headers),
            body=body,
        )
    )
    text = response.content.decode(errors="replace")
    try:
        parsed = json.loads(text)
        pretty = json.dumps(parsed, indent=2, ensure_ascii=False)
        body_request_id = str(parsed.get("request_id", ""))
    except (ValueError, AttributeError):
        pretty, body_request_id = text, ""
    for secret in app.valid_secrets():
        pretty = pretty.replace(secret, SECRET_PLACEHOLDER)
        curl = curl.replace(secret, SECRET_PLACEHOLDER)
    return TestCall(
        method=endpoint.method,
        url=url,
        canonical=shown,
        sign=sign,
        curl=curl,
        status=response.status_code,
        body=pretty,
        request_id=body_request_id,
        header_request_id=response.get(requestid.HEADER, ""),
        token_issued=bool(token),
        token_expires_at=expires_at,
    )
