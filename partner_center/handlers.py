"""The portal's WSGI handler: two middleware chains, chosen by the request's path.

The Open API (`/api/`, `/authorization/`) is machine-to-machine: every request carries its
own credentials (app secret or signature, access token), answers JSON and never renders a
page. Sessions, authentication, CSRF (the API views are exempt anyway), messages, the
language, allauth, the center and blacklist checks and the CSP nonce do nothing for it, yet
cost every call. Those paths therefore go through a short chain of their own:

* the request id (partner_center/requestid.py), first as on the full chain;
* SecurityMiddleware: HTTPS redirect, HSTS, nosniff, Referrer-Policy, COOP;
* the bad-input middleware: control characters refused with the API's JSON 400;
* CommonMiddleware: ALLOWED_HOSTS checks and the like;
* `api_headers`: a static CSP and X-Frame-Options for JSON (no nonce to compute).

and resolved against the API's own routes (open_api/api_urls.py).

Everything else, the portal's pages, keeps the full chain of settings.MIDDLEWARE.
`application` in wsgi.py stays a plain WSGI callable, so it can be wrapped.
"""

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler

# The Open API's prefixes (open_api/urls.py); their views read no session, user or language.
LEAN_PREFIXES = ("/api/", "/authorization/")
# ... and resolved against the API's routes only.
LEAN_URLCONF = "open_api.api_urls"
LEAN_MIDDLEWARE = [
    # As on the full chain, first: the id in the response, the logs and the JSON request_id.
    "partner_center.requestid.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    "partner_center.handlers.api_headers",
    "partner_center.middleware.bad_input_middleware",
    "django.middleware.common.CommonMiddleware",
]
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def api_headers(get_response):
    """What CSPMiddleware and XFrameOptionsMiddleware add on the full chain, as constants:
    a JSON answer loads nothing and is framed by nobody."""

    def middleware(request):
        response = get_response(request)
        response.headers["Content-Security-Policy"] = API_CSP
        response.headers["X-Frame-Options"] = "DENY"
        return response

    return middleware


class _LeanHandler(BaseHandler):
    def load_middleware(self, is_async=False):
        # BaseHandler reads settings.MIDDLEWARE once, here, at startup (one thread).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = LEAN_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class PortalHandler(WSGIHandler):
    """WSGIHandler with the Open API's paths served by the lean chain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lean = _LeanHandler()
        self.lean.load_middleware()

    def get_response(self, request):
        if request.path_info.startswith(LEAN_PREFIXES):
            request.urlconf = LEAN_URLCONF
            return self.lean.get_response(request)
        return super().get_response(request)
