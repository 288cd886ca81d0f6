"""The signature debugger (developer console): why a signed request would be refused.

A developer pastes a request as their code sent it; `diagnose()` says what the Open API
expects (the canonical string and the signature, open_api/signing.py) and the first point
where the request departs from it, in plain words. The sign is a one-way HMAC, so "where
theirs differs" is found by re-signing the request with the usual mistakes made on purpose
(a parameter left out, the parameters unsorted, the body dropped, another path, the secret
on one side only, the previous secret…) until one gives their sign.

Pure logic: no request, no database. The secret goes in, and never comes out: every string
the diagnosis holds shows it as SECRET_PLACEHOLDER.
"""

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from urllib.parse import parse_qsl, unquote, urlsplit

from django.utils.translation import gettext_lazy as _

from . import signing

SECRET_PLACEHOLDER = "{app_secret}"  # noqa: S105  (a placeholder, no secret)
REQUIRED = ("app_key", "timestamp", "sign")
HEX = re.compile(r"[0-9a-fA-F]+")
# A version segment of a path: /authorization/202309/shops.
VERSION_SEGMENT = re.compile(r"/\d{6}(?=/|$)")


class Kind(StrEnum):
    OK = "ok"
    MISSING_PARAMETER = "missing_parameter"
    WRONG_APP_KEY = "wrong_app_key"
    TIMESTAMP_INVALID = "timestamp_invalid"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    TIMESTAMP_AHEAD = "timestamp_ahead"
    SIGN_NOT_HEX = "sign_not_hex"
    SIGN_WRONG_LENGTH = "sign_wrong_length"
    SIGN_UPPERCASE = "sign_uppercase"
    PREVIOUS_SECRET_IN_GRACE = "previous_secret_in_grace"  # noqa: S105
    PREVIOUS_SECRET_EXPIRED = "previous_secret_expired"  # noqa: S105
    UNSIGNED_PARAMETER_SIGNED = "unsigned_parameter_signed"
    PARAMETER_LEFT_OUT = "parameter_left_out"
    NOT_SORTED = "not_sorted"
    ENCODED_VALUES = "encoded_values"
    KEY_VALUE_SEPARATORS = "key_value_separators"
    BODY_OMITTED = "body_omitted"
    MULTIPART_BODY_SIGNED = "multipart_body_signed"
    DIFFERENT_PATH = "different_path"
    SECRET_NOT_WRAPPED = "secret_not_wrapped"  # noqa: S105
    PLAIN_SHA256 = "plain_sha256"
    SIGNATURE_MISMATCH = "signature_mismatch"


class Severity(StrEnum):
    ERROR = "error"  # the Open API refuses the request
    WARNING = "warning"  # accepted here, but fix it


HINTS = {
    Kind.OK: _("The signature is right: the Open API accepts this request's sign."),
    Kind.MISSING_PARAMETER: _(
        "The query string lacks %(names)s. Every signed request carries app_key, timestamp "
        "and sign as query parameters."
    ),
    Kind.WRONG_APP_KEY: _(
        "app_key is %(given)s, which is not this app's key. Sign with the secret of the app "
        "whose key you send, or send this app's key."
    ),
    Kind.TIMESTAMP_INVALID: _("timestamp must be the Unix time in whole seconds (digits only)."),
    Kind.TIMESTAMP_TOO_OLD: _(
        "timestamp is %(seconds)s seconds old; the Open API accepts at most 5 minutes. Sign "
        "each request just before sending it, and check your server's clock."
    ),
    Kind.TIMESTAMP_AHEAD: _(
        "timestamp is %(seconds)s seconds in the future; the Open API accepts at most 30 "
        "seconds ahead. Check your server's clock (NTP), and send seconds, not milliseconds."
    ),
    Kind.SIGN_NOT_HEX: _(
        "sign holds characters that are not hexadecimal digits. Send the HMAC-SHA256 digest as "
        "hex (0-9, a-f), not Base64 and not the raw bytes."
    ),
    Kind.SIGN_WRONG_LENGTH: _(
        "sign is %(length)s characters long; an HMAC-SHA256 in hex is 64. Check that you used "
        "SHA-256 (not MD5 or SHA-1) and sent the whole digest."
    ),
    Kind.SIGN_UPPERCASE: _(
        "sign is in uppercase hex. It matches when compared case-insensitively, and this portal "
        "accepts it, but the protocol says lowercase: send the digest in lowercase."
    ),
    Kind.PREVIOUS_SECRET_IN_GRACE: _(
        "This request is signed with the previous app secret. It is still accepted until "
        "%(until)s (UTC), when its grace period after the rotation ends: switch to the current "
        "secret before then."
    ),
    Kind.PREVIOUS_SECRET_EXPIRED: _(
        "This request is signed with the previous app secret, whose grace period ended on "
        "%(until)s (UTC). Sign with the current secret (see the app's details)."
    ),
    Kind.UNSIGNED_PARAMETER_SIGNED: _(
        "The signature includes %(names)s. Leave sign and access_token out of the signed "
        "parameters (send the access token in the x-tts-access-token header)."
    ),
    Kind.PARAMETER_LEFT_OUT: _(
        "The signature leaves out the parameter %(names)s. Sign every query parameter you "
        "send, except sign and access_token."
    ),
    Kind.NOT_SORTED: _(
        "The parameters are signed in the order of the URL. Sort them by key "
        "(alphabetically) before joining them."
    ),
    Kind.ENCODED_VALUES: _(
        "The parameters are signed URL-encoded (as they appear in the URL). Sign the decoded "
        "values."
    ),
    Kind.KEY_VALUE_SEPARATORS: _(
        "The parameters are signed as key=value joined with &. Join each key directly to its "
        "value, with nothing between pairs."
    ),
    Kind.BODY_OMITTED: _(
        "The signature leaves out the request body. Append the raw body (exactly the bytes "
        "you send) after the parameters; only multipart/form-data bodies are left out."
    ),
    Kind.MULTIPART_BODY_SIGNED: _(
        "The signature includes a multipart/form-data body. Leave multipart bodies out of the "
        "signed string."
    ),
    Kind.DIFFERENT_PATH: _(
        "The signature was made over the path %(signed)s, but the request goes to %(path)s. "
        "Sign the exact path you call (no host, no query string)."
    ),
    Kind.SECRET_NOT_WRAPPED: _(
        "The app secret is not on both ends of the signed string (%(where)s). Put it before "
        "the path and again after the body."
    ),
    Kind.PLAIN_SHA256: _(
        "The sign is a plain SHA-256 of the string. Use HMAC-SHA256, keyed with the app secret."
    ),
    Kind.SIGNATURE_MISMATCH: _(
        "sign does not match, and none of the usual mistakes explains it. Compare your "
        "string to sign with the expected one below, character by character; check that the "
        "secret is this app's current one."
    ),
}

WHERE = {
    "start": _("only at the start"),
    "end": _("only at the end"),
    "neither": _("on neither end"),
}


@dataclass(frozen=True)
class Finding:
    kind: Kind
    severity: Severity
    params: dict = field(default_factory=dict)

    @property
    def hint(self) -> str:
        return str(HINTS[self.kind]) % {key: str(value) for key, value in self.params.items()}


@dataclass(frozen=True)
class Canonical:
    """A string to sign, in parts: the secret is known by position, never held."""

    path: str
    pairs: tuple[tuple[str, str], ...]
    body: bytes
    head: bool = True  # the secret at the start
    tail: bool = True  # the secret at the end
    separators: bool = False  # key=value&key=value

    def joined(self) -> str:
        if self.separators:
            return "&".join(f"{key}={value}" for key, value in self.pairs)
        return "".join(f"{key}{value}" for key, value in self.pairs)

    def message(self, secret: str) -> bytes:
        head = secret.encode() if self.head else b""
        tail = secret.encode() if self.tail else b""
        return head + self.path.encode() + self.joined().encode() + self.body + tail

    def shown(self, *secrets: str) -> str:
        """The string with the secret as SECRET_PLACEHOLDER (also wherever a pasted value
        holds it)."""
        middle = (self.path.encode() + self.joined().encode() + self.body).decode(errors="replace")
        for secret in secrets:
            if secret:
                middle = middle.replace(secret, SECRET_PLACEHOLDER)
        head = SECRET_PLACEHOLDER if self.head else ""
        tail = SECRET_PLACEHOLDER if self.tail else ""
        return head + middle + tail


@dataclass(frozen=True)
class PastedRequest:
    method: str
    url: str  # a full URL or a path with its query string
    content_type: str = ""
    body: bytes = b""


@dataclass(frozen=True)
class AppSecrets:
    app_key: str
    secret: str
    previous_secret: str = ""
    previous_secret_expires_at: float = 0.0  # Unix time; 0: none


@dataclass
class Diagnosis:
    findings: list[Finding]
    expected_canonical: str = ""  # with SECRET_PLACEHOLDER, never the secret
    expected_sign: str = ""
    given_sign: str = ""
    their_canonical: str = ""  # the string their sign was made over, when found
    differs_at: int | None = None  # where their string departs from the expected one

    @property
    def kind(self) -> Kind:
        return self.findings[0].kind if self.findings else Kind.OK

    @property
    def accepted(self) -> bool:
        return all(finding.severity == Severity.WARNING for finding in self.findings)

    @property
    def same_part(self) -> str:
        return self.expected_canonical[: self.differs_at or 0]

    @property
    def expected_rest(self) -> str:
        return self.expected_canonical[self.differs_at or 0 :]

    @property
    def their_rest(self) -> str:
        return self.their_canonical[self.differs_at or 0 :]


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _is_multipart(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


def _first_difference(a: str, b: str) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def _parse(url: str) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """The path, the decoded query pairs in URL order, and the raw (still encoded) ones."""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    decoded = parse_qsl(parts.query, keep_blank_values=True)
    raw = [
        (unquote(key), value)
        for key, _sep, value in (item.partition("=") for item in parts.query.split("&") if item)
    ]
    return path, decoded, raw


def _signed(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # As Django's QueryDict.dict(): the last value of a repeated key.
    last = dict(pairs)
    return [(key, last[key]) for key in sorted(last) if key not in signing.UNSIGNED_PARAMETERS]


def _path_variants(path: str) -> list[str]:
    variants = [path.rstrip("/") if path.endswith("/") else path + "/"]
    unversioned = VERSION_SEGMENT.sub("", path)
    if unversioned != path:
        variants.append(unversioned)
    variants.append(path.lstrip("/"))
    return [variant for variant in variants if variant != path]


# A mistake: its finding, and the string it would have signed (None: does not apply).
Mistake = tuple[Finding, Canonical | None]


def _mistakes(
    expected: Canonical, path: str, decoded: list, raw: list, pasted: PastedRequest
) -> list[Mistake]:
    error = Severity.ERROR
    signed_keys = [key for key, _value in expected.pairs]
    query = dict(decoded)
    found: list[Mistake] = []
    unsigned_sent = [key for key in sorted(signing.UNSIGNED_PARAMETERS) if key in query]
    with_unsigned = tuple(
        sorted([*expected.pairs, *((k, query[k]) for k in unsigned_sent if k != "sign")])
    )
    if "access_token" in query:
        found.append(
            (
                Finding(Kind.UNSIGNED_PARAMETER_SIGNED, error, {"names": "access_token"}),
                replace(expected, pairs=with_unsigned),
            )
        )
    for key in signed_keys:
        kept = tuple(pair for pair in expected.pairs if pair[0] != key)
        found.append(
            (Finding(Kind.PARAMETER_LEFT_OUT, error, {"names": key}), replace(expected, pairs=kept))
        )
    in_url_order = tuple(
        (key, value)
        for key, value in dict(decoded).items()
        if key not in signing.UNSIGNED_PARAMETERS
    )
    found.append((Finding(Kind.NOT_SORTED, error), replace(expected, pairs=in_url_order)))
    encoded = dict(raw)
    as_encoded = tuple((key, encoded.get(key, value)) for key, value in expected.pairs)
    found.append((Finding(Kind.ENCODED_VALUES, error), replace(expected, pairs=as_encoded)))
    found.append((Finding(Kind.KEY_VALUE_SEPARATORS, error), replace(expected, separators=True)))
    if _is_multipart(pasted.content_type) and pasted.body:
        found.append(
            (Finding(Kind.MULTIPART_BODY_SIGNED, error), replace(expected, body=pasted.body))
        )
    elif expected.body:
        found.append((Finding(Kind.BODY_OMITTED, error), replace(expected, body=b"")))
    for variant in _path_variants(path):
        finding = Finding(Kind.DIFFERENT_PATH, error, {"signed": variant, "path": path})
        found.append((finding, replace(expected, path=variant)))
    for where, head, tail in (
        ("start", True, False),
        ("end", False, True),
        ("neither", False, False),
    ):
        finding = Finding(Kind.SECRET_NOT_WRAPPED, error, {"where": WHERE[where]})
        found.append((finding, replace(expected, head=head, tail=tail)))
    return found


def _timestamp_finding(timestamp: str, now: float) -> Finding | None:
    if signing.timestamp_fresh(timestamp, now=now):
        return None
    try:
        value = int(timestamp)
    except (TypeError, ValueError):
        return Finding(Kind.TIMESTAMP_INVALID, Severity.ERROR)
    if value < now:
        return Finding(Kind.TIMESTAMP_TOO_OLD, Severity.ERROR, {"seconds": int(now - value)})
    return Finding(Kind.TIMESTAMP_AHEAD, Severity.ERROR, {"seconds": int(value - now)})


def _when(timestamp: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M")


def diagnose(pasted: PastedRequest, *, app: AppSecrets, now: float) -> Diagnosis:
    """What the Open API would say of `pasted`'s signature, and why, for the app whose
    secrets are `app`. The first finding is the first point of refusal, in the order the
    Open API checks (parameters, app key, timestamp, signature)."""
    path, decoded, raw = _parse(pasted.url)
    query = dict(decoded)
    missing = [name for name in REQUIRED if not query.get(name)]
    if missing:
        return Diagnosis(
            [Finding(Kind.MISSING_PARAMETER, Severity.ERROR, {"names": ", ".join(missing)})]
        )
    if query["app_key"] != app.app_key:
        return Diagnosis([Finding(Kind.WRONG_APP_KEY, Severity.ERROR, {"given": query["app_key"]})])

    body = b"" if _is_multipart(pasted.content_type) else pasted.body
    expected = Canonical(path=path, pairs=tuple(_signed(decoded)), body=body)
    secrets = (app.secret, app.previous_secret)
    sign = query["sign"].strip()
    diagnosis = Diagnosis(
        findings=[],
        expected_canonical=expected.shown(*secrets),
        expected_sign=_hmac(app.secret, expected.message(app.secret)),
        given_sign=sign,
    )
    findings = diagnosis.findings
    stale = _timestamp_finding(query["timestamp"], now)
    if stale:
        findings.append(stale)
    if not HEX.fullmatch(sign):
        findings.append(Finding(Kind.SIGN_NOT_HEX, Severity.ERROR))
        return diagnosis
    if len(sign) != len(diagnosis.expected_sign):
        findings.append(Finding(Kind.SIGN_WRONG_LENGTH, Severity.ERROR, {"length": len(sign)}))
        return diagnosis
    if sign != sign.lower():
        findings.append(Finding(Kind.SIGN_UPPERCASE, Severity.WARNING))
    candidate = sign.lower()

    def matches(secret: str, canonical: Canonical, digest: Callable | None = None) -> bool:
        made = (
            digest(canonical.message(secret))
            if digest
            else _hmac(secret, canonical.message(secret))
        )
        return hmac.compare_digest(candidate.encode(), made.encode())

    if matches(app.secret, expected):
        return diagnosis
    previous_known = bool(app.previous_secret and app.previous_secret_expires_at)
    if previous_known and matches(app.previous_secret, expected):
        in_grace = app.previous_secret_expires_at > now
        kind = Kind.PREVIOUS_SECRET_IN_GRACE if in_grace else Kind.PREVIOUS_SECRET_EXPIRED
        severity = Severity.WARNING if in_grace else Severity.ERROR
        until = _when(app.previous_secret_expires_at)
        findings.append(Finding(kind, severity, {"until": until}))
        return diagnosis
    for finding, canonical in _mistakes(expected, path, decoded, raw, pasted):
        if canonical is None or canonical == expected:
            continue
        if matches(app.secret, canonical):
            findings.append(finding)
            diagnosis.their_canonical = canonical.shown(*secrets)
            diagnosis.differs_at = _first_difference(
                diagnosis.their_canonical, diagnosis.expected_canonical
            )
            return diagnosis
    if matches(app.secret, expected, digest=lambda message: hashlib.sha256(message).hexdigest()):
        findings.append(Finding(Kind.PLAIN_SHA256, Severity.ERROR))
        return diagnosis
    findings.append(Finding(Kind.SIGNATURE_MISMATCH, Severity.ERROR))
    return diagnosis
