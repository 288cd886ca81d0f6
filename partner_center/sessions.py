"""Sessions in the shared cache, written through to the database (SESSION_ENGINE with Redis).

Django's cached_db reads the cache first and falls back to the database, so any node serves
any visitor and a Redis outage costs a database read (partner_center.cache answers a miss).
What it cannot see is a write that Redis missed: a session changed or deleted (a sign-out)
while Redis was down would come back from the cache, stale, once Redis is reachable again.
So a write made while the cache is down is remembered, and those keys are dropped from the
cache before the next session is read once Redis answers again (then read from the database).
The memory is per process: a process that dies first leaves such an entry to expire with the
session (README "State shared between nodes").
"""

import threading

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache.backends.base import BaseCache

_missed: set[str] = set()
_lock = threading.Lock()


def _cache_down(cache) -> bool:
    outage = getattr(cache, "outage", None)
    return outage is not None and outage.down()


def _repair(cache) -> None:
    """Drop the entries Redis may hold stale, once it answers again."""
    if not _missed or _cache_down(cache):
        return
    with _lock:
        keys = list(_missed)
    cache.delete_many(keys)
    if not _cache_down(cache):
        with _lock:
            _missed.difference_update(keys)


class SessionStore(CachedDBStore):
    _cache: BaseCache  # set by CachedDBStore.__init__

    def _remember_if_missed(self, session_key: str | None) -> None:
        if session_key and _cache_down(self._cache):
            with _lock:
                _missed.add(self.cache_key_prefix + session_key)

    def load(self):
        _repair(self._cache)
        return super().load()

    def exists(self, session_key):
        _repair(self._cache)
        return super().exists(session_key)

    def save(self, must_create=False):
        super().save(must_create=must_create)
        self._remember_if_missed(self.session_key)

    def delete(self, session_key=None):
        # cycle_key() and flush() end here too.
        key = session_key or self.session_key
        super().delete(session_key)
        self._remember_if_missed(key)
