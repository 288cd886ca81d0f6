"""What an error report to Sentry may carry (SENTRY_DSN, see settings).

The SDK runs with send_default_pii=False (no cookies, no user's address); this hook also
masks the Open API's credentials — the same names and patterns as the log filter
(open_api.redaction): query strings, the Authorization and x-tts-access-token headers, form
and JSON fields, local variables named like a credential, and any text that quotes one. Each
event is tagged with the request id its log lines carry. Imported by settings: no models.
"""

from typing import Any, cast

from sentry_sdk.types import Event, Hint

from open_api.redaction import CREDENTIAL_NAMES, redact

from .requestid import request_id

MASK = "[redacted]"
# "X-Tts-Access-Token", "HTTP_AUTHORIZATION" and "access_token" all name a credential.
_NAMES = {name.replace("_", "-") for name in CREDENTIAL_NAMES.split("|")}


def is_credential_name(key: Any) -> bool:
    if not isinstance(key, str):
        return False
    name = key.lower().replace("_", "-")
    return name in _NAMES or name.removeprefix("http-") in _NAMES


def scrub(value: Any) -> Any:
    """`value` with every credential masked: by key in mappings, by pattern in text."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            key: MASK if is_credential_name(key) and item else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        # Sentry writes headers and query strings as [name, value] pairs too.
        if len(value) == 2 and is_credential_name(value[0]) and isinstance(value[1], str):
            return [value[0], MASK]
        return [scrub(item) for item in value]
    return value


def before_send(event: Event, hint: Hint | None = None) -> Event:
    event = cast(Event, scrub(event))
    current = request_id.get()
    if current:
        tags = event.get("tags") or {}
        if isinstance(tags, list):  # the SDK also accepts [name, value] pairs
            tags = dict(tags)
        event["tags"] = {**tags, "request_id": current}
    return event


def before_send_transaction(event: Event, hint: Hint | None = None) -> Event:
    return before_send(event, hint)
