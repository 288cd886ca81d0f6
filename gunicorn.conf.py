"""gunicorn settings, read from the working directory by every `gunicorn` command line of the
project (compose, bench/): the access log with credentials masked, and no server banner."""

import logging
import os

from gunicorn.http import wsgi

from open_api.redaction import RedactCredentials

# "-" for stdout; off by default (a load test would spend its time logging).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# gunicorn's default line, then the request id the portal answered with (X-Request-ID), so an
# access log line leads to the application's log lines of the same request.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
)
# The Open API carries app secrets, codes and tokens in its query strings.
logging.getLogger("gunicorn.access").addFilter(RedactCredentials())
logging.getLogger("gunicorn.error").addFilter(RedactCredentials())

# gunicorn has no setting for its `Server: gunicorn` banner; a product name and version tell
# an attacker which advisories to try, so the header is left out of every response.
_default_headers = wsgi.Response.default_headers


def _headers_without_server(self):
    return [line for line in _default_headers(self) if not line.startswith("Server:")]


wsgi.Response.default_headers = _headers_without_server
