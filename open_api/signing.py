"""Request and webhook signatures of the Open API (SPEC §4.8-4.9), as TikTok Shop documents
them, so an integration written for TikTok Shop verifies here unchanged.

Request: sign = lowercase hex HMAC-SHA256, keyed with the app secret, over
    app secret + request path + (each query parameter except sign and access_token, sorted
    by key, as key followed by value) + raw body (unless multipart/form-data) + app secret
Webhook: Authorization header = lowercase hex HMAC-SHA256, keyed with the app secret, over
    app key + raw body
"""

import hashlib
import hmac
from collections.abc import Mapping

# Parameters that are never part of the signed string.
UNSIGNED_PARAMETERS = {"sign", "access_token"}
# SPEC: the timestamp may lie this far before / after the server's clock.
TIMESTAMP_MAX_AGE_SECONDS = 5 * 60
TIMESTAMP_MAX_AHEAD_SECONDS = 30


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def string_to_sign(
    *, secret: str, path: str, params: Mapping[str, str], body: bytes = b"", content_type: str = ""
) -> bytes:
    signed = "".join(
        f"{key}{params[key]}" for key in sorted(params) if key not in UNSIGNED_PARAMETERS
    )
    if content_type.split(";", 1)[0].strip().lower() == "multipart/form-data":
        body = b""
    return secret.encode() + path.encode() + signed.encode() + body + secret.encode()


def request_signature(
    *, secret: str, path: str, params: Mapping[str, str], body: bytes = b"", content_type: str = ""
) -> str:
    message = string_to_sign(
        secret=secret, path=path, params=params, body=body, content_type=content_type
    )
    return _hmac_hex(secret, message)


def signature_matches(
    *,
    secrets: list[str],
    sign: str,
    path: str,
    params: Mapping[str, str],
    body: bytes,
    content_type: str,
) -> bool:
    """True when `sign` was made with one of `secrets` (current, or previous in its grace
    period). Every candidate is compared, in constant time."""
    candidate = (sign or "").lower().encode()
    results = [
        hmac.compare_digest(
            candidate,
            request_signature(
                secret=secret, path=path, params=params, body=body, content_type=content_type
            ).encode(),
        )
        for secret in secrets
    ]
    return any(results)


def timestamp_fresh(timestamp: str, *, now: float) -> bool:
    try:
        value = int(timestamp)
    except (TypeError, ValueError):
        return False
    return now - TIMESTAMP_MAX_AGE_SECONDS <= value <= now + TIMESTAMP_MAX_AHEAD_SECONDS


def webhook_signature(*, app_key: str, secret: str, body: bytes) -> str:
    return _hmac_hex(secret, app_key.encode() + body)
