"""The signature debugger's diagnosis (open_api/debugger.py): one row per kind of mistake a
developer makes when signing, and the kind the debugger names for it."""

import hashlib
import hmac
from urllib.parse import quote

import pytest

from open_api.debugger import SECRET_PLACEHOLDER, AppSecrets, Kind, PastedRequest, diagnose

NOW = 1_767_268_800
SECRET = "5ecret0f4lice5app"
PREVIOUS = "01d5ecret0fth3app"
APP = AppSecrets(
    app_key="6abc123def456",
    secret=SECRET,
    previous_secret=PREVIOUS,
    previous_secret_expires_at=NOW + 3600,
)
PATH = "/authorization/202309/shops"
# Sent in this order (not sorted), with a value that URL-encoding changes.
SENT = [("timestamp", str(NOW)), ("app_key", APP.app_key), ("shop_cipher", "ROW a/b")]
BODY = b'{"ids":["1"]}'


def mac(message: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def joined(pairs) -> bytes:
    return "".join(f"{k}{v}" for k, v in pairs).encode()


def right(secret: str = SECRET, *, path: str = PATH, pairs=None, body: bytes = BODY) -> str:
    pairs = sorted(SENT) if pairs is None else pairs
    return mac(secret.encode() + path.encode() + joined(pairs) + body + secret.encode(), secret)


def url(sign: str, *, pairs=SENT, extra: str = "") -> str:
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs)
    return f"https://partner.example{PATH}?{query}&sign={sign}{extra}"


def pasted(sign: str, *, pairs=SENT, extra: str = "", body: bytes = BODY, content_type: str = ""):
    return PastedRequest(
        method="POST",
        url=url(sign, pairs=pairs, extra=extra),
        content_type=content_type or "application/json",
        body=body,
    )


def without(key: str):
    return [pair for pair in sorted(SENT) if pair[0] != key]


def with_stamp(stamp: int):
    return [("timestamp", str(stamp)), *SENT[1:]]


S = SECRET.encode()
SORTED = joined(sorted(SENT))
ENCODED = joined(sorted((k, quote(v, safe="")) for k, v in SENT))
MULTIPART = "multipart/form-data; boundary=x"

ROWS = {
    "right": (pasted(right()), Kind.OK),
    "uppercase hex": (pasted(right().upper()), Kind.SIGN_UPPERCASE),
    "not hex (base64)": (pasted("q83vEjRWeJA="), Kind.SIGN_NOT_HEX),
    "wrong length (md5)": (pasted(hashlib.md5(b"x").hexdigest()), Kind.SIGN_WRONG_LENGTH),  # noqa: S324
    "no sign": (
        PastedRequest("GET", f"{PATH}?app_key={APP.app_key}&timestamp={NOW}"),
        Kind.MISSING_PARAMETER,
    ),
    "another app's key": (
        pasted(right(), pairs=[*SENT[:1], ("app_key", "6zzzzzzzzzzzz"), *SENT[2:]]),
        Kind.WRONG_APP_KEY,
    ),
    "access_token signed": (
        pasted(
            right(pairs=sorted([*SENT, ("access_token", "ROW_x")])), extra="&access_token=ROW_x"
        ),
        Kind.UNSIGNED_PARAMETER_SIGNED,
    ),
    "a parameter left out": (pasted(right(pairs=without("shop_cipher"))), Kind.PARAMETER_LEFT_OUT),
    "not sorted": (pasted(right(pairs=SENT)), Kind.NOT_SORTED),
    "URL-encoded values": (
        pasted(mac(S + PATH.encode() + ENCODED + BODY + S)),
        Kind.ENCODED_VALUES,
    ),
    "key=value&": (
        pasted(
            mac(
                S
                + PATH.encode()
                + "&".join(f"{k}={v}" for k, v in sorted(SENT)).encode()
                + BODY
                + S
            )
        ),
        Kind.KEY_VALUE_SEPARATORS,
    ),
    "body omitted": (pasted(right(body=b"")), Kind.BODY_OMITTED),
    "multipart body signed": (
        pasted(right(body=b"--x--"), body=b"--x--", content_type=MULTIPART),
        Kind.MULTIPART_BODY_SIGNED,
    ),
    "trailing slash": (pasted(right(path=PATH + "/")), Kind.DIFFERENT_PATH),
    "no version segment": (pasted(right(path="/authorization/shops")), Kind.DIFFERENT_PATH),
    "secret at the start only": (
        pasted(mac(S + PATH.encode() + SORTED + BODY)),
        Kind.SECRET_NOT_WRAPPED,
    ),
    "secret on neither end": (
        pasted(mac(PATH.encode() + SORTED + BODY)),
        Kind.SECRET_NOT_WRAPPED,
    ),
    "plain sha256": (
        pasted(hashlib.sha256(S + PATH.encode() + SORTED + BODY + S).hexdigest()),
        Kind.PLAIN_SHA256,
    ),
    "timestamp 6 minutes old": (
        pasted(right(pairs=sorted(with_stamp(NOW - 360))), pairs=with_stamp(NOW - 360)),
        Kind.TIMESTAMP_TOO_OLD,
    ),
    "timestamp 1 minute ahead": (
        pasted(right(pairs=sorted(with_stamp(NOW + 60))), pairs=with_stamp(NOW + 60)),
        Kind.TIMESTAMP_AHEAD,
    ),
    "timestamp in milliseconds": (
        pasted(right(pairs=sorted(with_stamp(NOW * 1000))), pairs=with_stamp(NOW * 1000)),
        Kind.TIMESTAMP_AHEAD,
    ),
    "previous secret in grace": (pasted(right(PREVIOUS)), Kind.PREVIOUS_SECRET_IN_GRACE),
    "something else": (pasted(right("an0ther5ecret")), Kind.SIGNATURE_MISMATCH),
}


@pytest.mark.parametrize("row", ROWS)
def test_each_mistake_is_named(row):
    # given
    request, kind = ROWS[row]

    # when
    diagnosis = diagnose(request, app=APP, now=NOW)

    # then
    assert diagnosis.kind == kind, [f.hint for f in diagnosis.findings]
    assert diagnosis.findings[0].hint if diagnosis.findings else True
    shown = " ".join(
        [diagnosis.expected_canonical, diagnosis.their_canonical]
        + [finding.hint for finding in diagnosis.findings]
    )
    assert SECRET not in shown
    assert PREVIOUS not in shown


def test_previous_secret_past_its_grace_is_named_expired():
    # given
    app = AppSecrets(APP.app_key, SECRET, PREVIOUS, previous_secret_expires_at=NOW - 60)

    # when
    diagnosis = diagnose(pasted(right(PREVIOUS)), app=app, now=NOW)

    # then
    assert diagnosis.kind == Kind.PREVIOUS_SECRET_EXPIRED
    assert not diagnosis.accepted


def test_the_expected_string_shows_a_placeholder_for_the_secret_on_both_ends():
    # when
    diagnosis = diagnose(pasted(right(pairs=without("shop_cipher"))), app=APP, now=NOW)

    # then
    assert diagnosis.expected_canonical == (
        f"{SECRET_PLACEHOLDER}{PATH}{SORTED.decode()}{BODY.decode()}{SECRET_PLACEHOLDER}"
    )
    assert diagnosis.expected_sign == right()
    assert "shop_cipher" not in diagnosis.their_canonical
    # where the two strings part: at the left-out parameter
    assert diagnosis.expected_rest.startswith("shop_cipher")


def test_a_secret_pasted_into_a_value_is_not_echoed():
    # given: the developer pasted the secret as a parameter by mistake
    pairs = [*SENT, ("app_secret", SECRET)]

    # when
    diagnosis = diagnose(pasted("0" * 64, pairs=pairs), app=APP, now=NOW)

    # then
    assert diagnosis.kind == Kind.SIGNATURE_MISMATCH
    assert SECRET not in diagnosis.expected_canonical
    assert f"app_secret{SECRET_PLACEHOLDER}" in diagnosis.expected_canonical


def test_a_right_uppercase_sign_is_accepted_with_a_warning():
    diagnosis = diagnose(pasted(right().upper()), app=APP, now=NOW)

    assert diagnosis.accepted
    assert "lowercase" in diagnosis.findings[0].hint
