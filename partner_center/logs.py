"""JSON log lines (LOG_FORMAT=json), with credentials masked in every field.

The credential filter (open_api.redaction.RedactCredentials) masks a record's message and
arguments; a JSON line also carries the record's extras (Django's `django.request` logger
adds the request itself, whose text holds the query string) and the formatted traceback, so
this formatter masks every value it writes, after the fact. Imported by the logging
configuration: no Django models here.
"""

from typing import Any

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from open_api.redaction import redact

PLAIN_TYPES = (str, int, float, bool, type(None))


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    if isinstance(value, PLAIN_TYPES):
        return value
    # An object (a request, an exception): its text, masked, rather than its repr unmasked.
    return redact(str(value))


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id, extras."""

    def process_log_record(self, log_data):
        return {key: _masked(value) for key, value in log_data.items()}
