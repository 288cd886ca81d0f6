"""App secrets at rest (SPEC §4.4): encrypted with Fernet, never stored in the clear.

APP_SECRET_ENCRYPTION_KEY holds one or more Fernet keys separated by commas: the first
encrypts, all of them decrypt, so a key can be rotated without re-encrypting every row at
once. Unset, one key is derived from SECRET_KEY with HKDF-SHA256, so development needs
nothing; production must set its own key, kept apart from SECRET_KEY (`check --deploy` says so).

Keys derived from SECRET_KEY and SECRET_KEY_FALLBACKS always decrypt too (never encrypt once a
key is configured): a portal that starts setting APP_SECRET_ENCRYPTION_KEY, or rotates
SECRET_KEY with the old one in the fallbacks, still reads every secret, and
`manage.py rotate_encryption_key` moves them all under the first configured key.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

HKDF_INFO = b"partner-center/apps_services/app-secret-encryption"


def derive_key(secret_key: str) -> bytes:
    """A Fernet key derived from SECRET_KEY: the development default."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


@functools.lru_cache(maxsize=4)
def _cipher(configured: str, secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    keys: list[str | bytes] = [k.strip() for k in configured.split(",") if k.strip()]
    derived = [derive_key(key) for key in (secret_key, *fallbacks)]
    try:
        # MultiFernet encrypts with the first key only; duplicates are harmless.
        fernets = [Fernet(k) for k in [*keys, *derived]]
    except ValueError as exc:
        raise ImproperlyConfigured(
            "APP_SECRET_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes), "
            "comma-separated. Generate one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'`."
        ) from exc
    return MultiFernet(fernets)


def cipher() -> MultiFernet:
    # Keyed on the settings, so a test overriding them gets its own cipher.
    return _cipher(
        settings.APP_SECRET_ENCRYPTION_KEY,
        settings.SECRET_KEY,
        tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())),
    )


def encrypt(plaintext: str) -> str:
    return cipher().encrypt(plaintext.encode()).decode()


def reencrypt(token: str) -> str:
    """The same secret encrypted under the current first key (idempotent in effect)."""
    try:
        return cipher().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An app secret could not be decrypted: APP_SECRET_ENCRYPTION_KEY does not hold "
            "the key it was encrypted with."
        ) from exc


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        # Never include the token or a key in the message: both end up in logs.
        raise ImproperlyConfigured(
            "An app secret could not be decrypted: APP_SECRET_ENCRYPTION_KEY does not hold "
            "the key it was encrypted with."
        ) from exc
