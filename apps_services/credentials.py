"""An app's credentials for the Open API, held in each web process between calls.

Every Open API call names its app by app_key and proves itself with the app secret (or a
signature made with it). Reading the row and decrypting the secret (Fernet) on every call
was most of a call's cost, so each process keeps `Credentials` — the app's id, whether it is
deactivated, the secret and the previous one in the clear — in memory.

They are trusted only while the app's *generation*, a random value held in the Django cache
(Redis), is the one they were read under. Whatever changes what a call may do — a save of
the app (a secret rotated or reset, a deactivation), a bulk update (re-encryption), and on
the Open API's side a seller's authorization given or ended or a token revoked — calls
`changed()`, which draws a new generation once the transaction commits: every process, on
every node, reloads on its very next call. The generation is read before the row, so a row
read before the change committed is always filed under a generation the change replaces.

With the cache unreachable there is no generation to trust: each call reads the row (the
decryption is still saved: it is kept per ciphertext). A change made while Redis was away
could leave an older generation standing when it comes back; generations expire after
GENERATION_TTL seconds, which bounds that.
"""

import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from . import crypto

logger = logging.getLogger(__name__)

GENERATION_TTL = 60
# Bounds the memory a process spends; far above the number of apps calling one process.
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Credentials:
    app_id: int
    app_key: str
    deactivated: bool
    secret: str
    previous_secret: str = ""
    previous_secret_expires_at: float = 0.0  # Unix time; 0 = no previous secret

    def valid_secrets(self, *, now: float | None = None) -> list[str]:
        """The current secret, and the previous one until its grace period ends."""
        now = time.time() if now is None else now
        if self.previous_secret and self.previous_secret_expires_at > now:
            return [self.secret, self.previous_secret]
        return [self.secret]


def generation_key(app_key: str) -> str:
    return f"apps:credentials:{app_key}"


_loaded: dict[str, tuple[str, Credentials]] = {}
_decrypted: dict[tuple[str, object], str] = {}


def _decrypt(token: str) -> str:
    # Keyed on the configured keys as well: a different key set may not decrypt it.
    cache_key = (token, crypto.cipher())
    plain = _decrypted.get(cache_key)
    if plain is None:
        if len(_decrypted) >= MAX_ENTRIES:
            _decrypted.clear()
        plain = _decrypted[cache_key] = crypto.decrypt(token)
    return plain


def _read(app_key: str) -> Credentials | None:
    from .models import App, AppState

    row = (
        App.objects.filter(app_key=app_key)
        .values_list(
            "pk",
            "state",
            "secret_encrypted",
            "previous_secret_encrypted",
            "previous_secret_expires_at",
        )
        .first()
    )
    if row is None:
        return None
    pk, state, secret, previous, previous_expires_at = row
    return Credentials(
        app_id=pk,
        app_key=app_key,
        deactivated=state == AppState.DEACTIVATED,
        secret=_decrypt(secret),
        previous_secret=_decrypt(previous) if previous and previous_expires_at else "",
        previous_secret_expires_at=previous_expires_at.timestamp() if previous_expires_at else 0,
    )


def current_generation(app_key: str) -> str:
    """The app's generation, drawn now if it has none. With the cache unreachable, a new
    value every time (nothing read under it is ever reused)."""
    key = generation_key(app_key)
    drawn = secrets.token_hex(8)
    try:
        if cache.add(key, drawn, GENERATION_TTL):
            return drawn
        return cache.get(key) or drawn
    except Exception:  # a cache backend that raises when its server is away
        return drawn


def lookup(app_key: str, *, generation: str | None = None) -> Credentials | None:
    """The credentials of the app with this key, or None. `generation` is the app's
    generation if the caller has already fetched it from the cache (None: not there)."""
    if generation is not None:
        held = _loaded.get(app_key)
        if held is not None and held[0] == generation:
            return held[1]
    else:
        generation = current_generation(app_key)
    credentials = _read(app_key)
    if credentials is not None:
        if len(_loaded) >= MAX_ENTRIES:
            _loaded.clear()
        _loaded[app_key] = (generation, credentials)
    return credentials


def changed(app_keys: Iterable[str]) -> None:
    """What the apps with these keys may do through the API changed: every process reloads
    their credentials, and drops what it cached for their calls, once this commits."""
    keys = sorted({key for key in app_keys if key})
    if not keys:
        return

    def renew():
        for key in keys:
            _loaded.pop(key, None)
        try:
            cache.set_many(
                {generation_key(key): secrets.token_hex(8) for key in keys}, GENERATION_TTL
            )
        except Exception:  # unreachable: other processes trust nothing without it anyway
            logger.warning("Could not renew the credentials generation of %d app(s).", len(keys))

    # Now, for this connection's next call (it sees its own writes), and again once the
    # writes are visible to every other connection: a row another process read in between
    # is filed under the first of the two.
    renew()
    transaction.on_commit(renew)


def forget_all() -> None:
    """Drop what this process holds (tests start afresh)."""
    _loaded.clear()
    _decrypted.clear()
