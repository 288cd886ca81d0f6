"""One id per request, on every log line it causes, in its response and in its tasks.

The id comes from the `X-Request-ID` header a proxy or client sent, when it is a sane token
(at most 64 of `A-Z a-z 0-9 . _ -`), else a new one is made. It lives in a context variable
for the length of the request; `RequestIdFilter` copies it onto every log record, the
response carries it back in `X-Request-ID`, the Open API puts it in its JSON `request_id`,
and partner_center.celery passes it to every task the request queues, whose worker log
lines then carry it too. Imported by the logging configuration: no Django models here.
"""

import logging
import re
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")

# "" outside a request (a management command, a task queued by beat).
request_id: ContextVar[str] = ContextVar("request_id", default="")


def accept(value: str | None) -> str:
    """`value` when it is a sane token, else a fresh id (uuid4, 32 hex characters)."""
    if value is not None and SANE.fullmatch(value):
        return value
    return uuid.uuid4().hex


def current() -> str:
    return request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


def request_id_middleware(get_response):
    """First in MIDDLEWARE: every response, error pages included, carries the id.

    On the hot path (the referral redirect, the Open API): one dict lookup, one compiled
    fullmatch, and a uuid4 only when no usable header came.
    """

    def middleware(request):
        value = accept(request.META.get(META_KEY))
        # Not reset on the way out: Django logs a 4xx response ("Not Found: …") after the
        # middleware chain has returned. request_finished clears it.
        request_id.set(value)
        response = get_response(request)
        response[HEADER] = value
        return response

    return middleware


def _forget(**kwargs) -> None:
    request_id.set("")


# When the response is closed (after every line logged about the request), the thread's next
# log lines belong to no request.
request_finished.connect(_forget, dispatch_uid="partner_center.requestid.forget")
