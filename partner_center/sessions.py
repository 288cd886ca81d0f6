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

import logging
import threading
from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger(__name__)

_missed: set[str] = set()
_lock = threading.Lock()


class _TolerantCache:
    """The session cache as cached_db uses it, where a call that raises is a miss.

    partner_center.cache already answers misses when Redis is down; this keeps sign-in and
    sign-out working whatever a cache backend raises (Django's cached_db lets a failing
    delete or read-through set escape): the database holds every session anyway.
    """

    def __init__(self, cache: Any) -> None:
        self._cache = cache
        self.failed = False

    @property
    def outage(self) -> Any:
        return getattr(self._cache, "outage", None)

    def _call(self, name: str, default: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._cache, name)(*args, **kwargs)
        except Exception as error:
            self.failed = True
            logger.warning(
                "Session cache %s failed (%s); the database answers.", name, type(error).__name__
            )
            return default

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", default, key, default)

    def set(self, key: str, value: Any, timeout: Any = None) -> None:
        self._call("set", None, key, value, timeout)

    def delete(self, key: str) -> bool:
        return self._call("delete", False, key)

    def delete_many(self, keys: list[str]) -> None:
        self._call("delete_many", None, keys)

    def __contains__(self, key: str) -> bool:
        return self._call("has_key", False, key)


def _cache_down(cache) -> bool:
    if getattr(cache, "failed", False):
        return True
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
    _cache: Any  # CachedDBStore's cache, wrapped

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _TolerantCache(self._cache)

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
