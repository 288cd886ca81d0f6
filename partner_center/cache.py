"""A Redis cache that degrades to "no cache" when Redis cannot be reached.

Everything that reads the Django cache — allauth's rate limits, the seller login counter,
the referral token cache — then sees a miss and writes nowhere, so a Redis outage slows
pages down (they fall back to the database) instead of turning them into 500s. The price
is deliberate: rate limits counted in the cache fail open while Redis is away (logged).

After a failure, Redis is not asked again for RETRY_AFTER seconds: a Redis that times out
instead of refusing would otherwise cost every cache call its socket timeout. The warning is
logged once per such interval, not once per call.
"""

import logging
import threading
import time
import weakref

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Errors that mean "Redis is not there", as opposed to a bug in what we asked it.
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)


class Outage:
    """Remembers that a dependency failed, so callers skip it for a while.

    `down()` is true for `retry_after` seconds after `failed()`; `failed()` says whether
    this failure opened a new interval (log it) or fell inside one (stay quiet).
    """

    instances: "weakref.WeakSet[Outage]" = weakref.WeakSet()

    def __init__(self, name: str, retry_after: float):
        self.name = name
        self.retry_after = retry_after
        self._until = 0.0
        self._lock = threading.Lock()
        Outage.instances.add(self)

    @classmethod
    def reset_all(cls) -> None:
        """Forget every outage seen in this process (tests start each case afresh)."""
        for outage in list(cls.instances):
            outage.reset()

    def down(self) -> bool:
        return time.monotonic() < self._until

    def failed(self) -> bool:
        with self._lock:
            now = time.monotonic()
            fresh = now >= self._until
            self._until = now + self.retry_after
            return fresh

    def reset(self) -> None:
        self._until = 0.0


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis.Redis per connection pool: Django builds a new one
    for every cache call, and building one copies its ~170 response callbacks (a quarter of
    a millisecond, more than the round trip itself). redis.Redis is thread-safe: its
    connections come from the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache, where "Redis unreachable" makes each call
    answer as Django's DummyCache does: a miss, a write that stores nothing.

    OPTIONS as for RedisCache, plus RETRY_AFTER (seconds, default 5). Commands are never
    retried by redis-py: the caller's fallback is faster than a second timeout.
    """

    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS", {}))}
        retry_after = float(params["OPTIONS"].pop("RETRY_AFTER", 5))
        params["OPTIONS"].setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self.outage = Outage("Redis cache", retry_after)

    def _degrade(self, fallback, operation, *args):
        if self.outage.down():
            return fallback
        try:
            return operation(*args)
        except UNAVAILABLE as exc:
            if self.outage.failed():
                logger.warning(
                    "Redis cache unreachable (%s); serving without cache, and rate limits "
                    "counted in the cache are not enforced, for the next %s s.",
                    type(exc).__name__,
                    self.outage.retry_after,
                )
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # True, as Django's DummyCache answers: allauth takes its rate-limit lock with add(),
        # and a False here would read as "locked by someone else", then as a 429.
        return self._degrade(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._degrade(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._degrade(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._degrade(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._degrade({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._degrade(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._degrade(missing, super().incr, key, delta, version)
        if value is missing:
            # What Django's contract says about a key that is not there.
            raise ValueError(f"Key '{key}' not found (Redis cache unreachable).")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._degrade(None, super().delete_many, keys, version)

    def clear(self):
        return self._degrade(False, super().clear)

    def count_and_get_many(self, counter, expires_in, keys, version=None):
        """In one round trip: count one event on `counter` (an integer key, created expiring
        after `expires_in` seconds, as django-ratelimit creates it) and get_many(`keys`).
        Answers (count, found); (0, {}) when Redis is unreachable: the limit fails open, as
        add() makes django-ratelimit's do, and the outage is logged once per interval."""
        return self._degrade((0, {}), self._count_and_get_many, counter, expires_in, keys, version)

    # Creates the counter as django-ratelimit does (expiring), counts, and reads the keys.
    COUNT_AND_GET = """
        redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
        local count = redis.call('INCR', KEYS[1])
        if #KEYS == 1 then return {count, {}} end
        return {count, redis.call('MGET', unpack(KEYS, 2))}
    """
    _count_and_get_sha: str | None = None

    def _count_and_get_many(self, counter, expires_in, keys, version):
        # Our own keys, short and plain: no memcached-style validation needed.
        made = [self.make_key(key, version=version) for key in [counter, *keys]]
        client = self._cache.get_client(made[0], write=True)
        # One command and one reply: cheaper for both sides than a pipeline of three.
        arguments = (len(made), *made, int(expires_in))
        try:
            if self._count_and_get_sha is None:
                self._count_and_get_sha = client.script_load(self.COUNT_AND_GET)
            count, values = client.evalsha(self._count_and_get_sha, *arguments)
        except redis.exceptions.NoScriptError:  # Redis restarted, or its scripts were flushed
            self._count_and_get_sha = client.script_load(self.COUNT_AND_GET)
            count, values = client.evalsha(self._count_and_get_sha, *arguments)
        loads = self._cache._serializer.loads
        values = list(values) + [None] * (len(keys) - len(values))
        found = {
            key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None
        }
        return count, found


def count_and_get_many(cache, counter: str, expires_in: int, keys: list[str]):
    """ResilientRedisCache.count_and_get_many on any cache backend (two calls elsewhere)."""
    # hasattr, not isinstance: `django.core.cache.cache` is a proxy to the backend.
    if hasattr(cache, "count_and_get_many"):
        try:
            return cache.count_and_get_many(counter, expires_in, keys)
        except Exception:  # not an outage the backend knows: not counted, nothing found
            return None, {}
    try:
        cache.add(counter, 0, expires_in)
        count = cache.incr(counter)
    except Exception:  # unreachable, or the key expired in between: not counted
        count = None
    try:
        return count, cache.get_many(keys)
    except Exception:
        return count, {}
