"""The public link's hot path: resolve a token, count the click, flush counts to the database.

Two counters, chosen by settings.REFERRAL_CLICK_COUNTER:

- ``redis`` (the default when REDIS_URL is set): a click is two HINCRBY in one MULTI on a
  "pending" hash, so the redirect writes nothing to the database. `flush_clicks` (Celery
  beat, every REFERRAL_CLICK_FLUSH_SECONDS) moves the counts over exactly once:

  1. a Lua script atomically renames "pending" to a batch key named by a fresh flush id and
     adds the id to the set of open batches (new clicks start a new "pending" at once);
  2. one database transaction inserts a `ClickFlush` row for that id (unique) and adds the
     batch's counts; if the row exists already, an earlier run committed this batch;
  3. the batch key is deleted and its id removed from the set.

  A crash before (2) commits leaves the batch in Redis for the next run (nothing lost); a
  crash after leaves the `ClickFlush` row, so the next run only deletes the batch (nothing
  counted twice). Two flushes at once contend on the `ClickFlush` row; one wins.

- ``database`` (the embedded default): one atomic ``UPDATE … SET clicks = clicks + 1`` and
  the day's row, in one transaction. Nothing to flush.

Token lookups are cached for REFERRAL_LINK_CACHE_SECONDS: in Redis mode in a Redis key per
token ("link id:on"), so one Lua call per click (or HEAD, uncounted) both resolves the
token and counts it (a single round trip, sent prepacked on a connection of its own);
otherwise in the Django cache. Readers only *add* what they read from the database; publish
and deactivate *overwrite* after commit, so a reader holding the old state cannot put it
back over the new one.

`follow` is the rule of the public link, used by both the Django view and the WSGI fast
path (referrals/fastpath.py).
"""

import logging
import os
import threading
import uuid
from collections import defaultdict
from datetime import date, timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.connection import ConnectionInterface
from redis.exceptions import NoScriptError
from redis.retry import Retry

from partner_center.cache import Outage

from .models import ClickFlush, DailyClicks, ReferralLink, ServiceState

logger = logging.getLogger(__name__)

# The {hash tag} keeps every key in one slot, so the Lua script also runs on Redis Cluster.
KEY_PREFIX = "referrals:{clicks}"
PENDING_KEY = f"{KEY_PREFIX}:pending"
OPEN_BATCHES_KEY = f"{KEY_PREFIX}:batches"
MAX_TOKEN_LENGTH = 64
UNKNOWN = (0, False)

# KEYS: pending, batch, open batches; ARGV: flush id. Returns 1 when there was a batch.
CLAIM_BATCH = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SADD', KEYS[3], ARGV[1])
  return 1
end
return 0
"""

# KEYS: the token's key, pending; ARGV: day, "1" to count. Returns "link id:on" (and counts the
# click when on and asked to), or nil when the token is not cached.
CLICK = """
local state = redis.call('GET', KEYS[1])
if not state then return false end
local id, on = string.match(state, '^(%d+):(%d)$')
if on == '1' and ARGV[2] == '1' then
  redis.call('HINCRBY', KEYS[2], id, 1)
  redis.call('HINCRBY', KEYS[2], id .. ':' .. ARGV[1], 1)
end
return state
"""

_clients: dict[str, redis.Redis] = {}
_click_scripts: dict[str, Script] = {}
_outages: dict[str, Outage] = {}


def redis_outage() -> Outage:
    """After a failure, clicks go straight to the database for REDIS_RETRY_AFTER_SECONDS: a
    Redis that times out would otherwise cost every click its connect timeout."""
    url = settings.REFERRAL_CLICKS_REDIS_URL
    if url not in _outages:
        _outages[url] = Outage("referral clicks Redis", settings.REDIS_RETRY_AFTER_SECONDS)
    return _outages[url]


def uses_redis() -> bool:
    return settings.REFERRAL_CLICK_COUNTER == "redis"


def redis_client() -> redis.Redis:
    url = settings.REFERRAL_CLICKS_REDIS_URL
    if url not in _clients:
        # No automatic retries: a command retried after it ran would count a click twice.
        client = redis.Redis.from_url(
            url,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        _click_scripts[url] = client.register_script(CLICK)  # EVALSHA, loaded on first use
        _clients[url] = client
    return _clients[url]


def batch_key(flush_id: str) -> str:
    return f"{KEY_PREFIX}:batch:{flush_id}"


# --- token → link ---------------------------------------------------------------------------


def _cache_key(token: str) -> str:
    return f"referrals:token:{token}"


def _from_database(token: str) -> tuple[int, bool]:
    row = ReferralLink.objects.filter(token=token).values_list("pk", "service__state").first()
    return (row[0], row[1] == ServiceState.ON) if row else UNKNOWN


def resolve_token(token: str) -> tuple[int, bool]:
    """(link id, service is on) for a token; (0, False) when no link has it."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return UNKNOWN
    key = _cache_key(token)
    hit = cache.get(key)
    if hit is None:
        hit = _from_database(token)
        cache.add(key, hit, settings.REFERRAL_LINK_CACHE_SECONDS)
    return hit


# --- the public link ----------------------------------------------------------------------------

_landing: list[str] = []


def follow(token: str, *, count: bool) -> tuple[int, bool]:
    """The public link's one rule, for the Django view and the WSGI fast path alike:
    (link id, service is on) for a token, counting the click when `count` (a GET; a HEAD is
    answered but not counted). On: a 302 to `landing_location(token)`. Off: 410 when a link
    has the token (link id > 0), 404 when none has; nothing is counted for either.

    Redis mode: one Lua call both resolves and counts. A token not cached yet is read from
    the database and cached with SET NX, never over what publish/deactivate wrote. Redis
    unreachable: the database resolves and counts instead.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return UNKNOWN
    if uses_redis() and not redis_outage().down():
        try:
            return _follow_in_redis(token, count)
        except redis.RedisError as exc:
            redis_outage().failed()
            if count and not counted_nothing(exc):
                # Redis may have counted the click before the answer was lost: counting it
                # again in the database could count it twice, so the click is only resolved.
                logger.warning("Redis failed mid-click (%s); click not recounted", exc)
                return resolve_token(token)
            # Redis could not be reached, so it counted nothing: the database counts instead.
            logger.warning("Redis unavailable; resolving and counting in the database")
    link_id, is_on = resolve_token(token)
    if count and is_on:
        add_clicks({link_id: 1}, {(link_id, timezone.now().date()): 1})
    return link_id, is_on


def landing_location(token: str) -> str:
    """Where an active link sends the seller: the "Start selling" page, carrying the token."""
    if not _landing:
        _landing.append(reverse("referrals:seller-start"))
    return f"{_landing[0]}?ref={token}"


def click(token: str) -> tuple[int, bool]:
    """Resolve a token and, when its service is on, count the click. Returns (link id, on)."""
    return follow(token, count=True)


def counted_nothing(exc: redis.RedisError) -> bool:
    """True when the command surely never reached Redis: the connection was refused, or
    timed out while connecting. A timeout *reading* the answer leaves it unknown."""
    if isinstance(exc, redis.TimeoutError):
        return "connecting" in str(exc)
    return isinstance(exc, redis.ConnectionError)


def _token_key(token: str) -> str:
    return f"{KEY_PREFIX}:token:{token}"


class _Channel(threading.local):
    """This thread's own connection for the click script, outside the client's pool: the
    hot path sends one prepacked EVALSHA on it, which costs a fraction of a client call."""

    connection: ConnectionInterface | None = None
    pid = 0


_channels: dict[str, _Channel] = {}


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def _run_click_script(token_key: str, day: str, count: bool) -> bytes | None:
    url = settings.REFERRAL_CLICKS_REDIS_URL
    client = redis_client()
    channel = _channels.get(url) or _channels.setdefault(url, _Channel())
    connection = channel.connection
    if connection is None or channel.pid != os.getpid():  # a new thread or a forked child
        connection = channel.connection = client.connection_pool.make_connection()
        channel.pid = os.getpid()
    script = _click_scripts[url]
    command = b"".join(
        (
            b"*7\r\n$7\r\nEVALSHA\r\n",
            _bulk(script.sha.encode()),
            b"$1\r\n2\r\n",
            _bulk(token_key.encode()),
            _bulk(PENDING_KEY.encode()),
            _bulk(day.encode()),
            b"$1\r\n1\r\n" if count else b"$1\r\n0\r\n",
        )
    )
    try:
        try:
            connection.send_packed_command([command], check_health=False)
            return connection.read_response()
        except NoScriptError:
            # Redis restarted or flushed its scripts: the call did not run; load, send again.
            client.script_load(CLICK)
            connection.send_packed_command([command], check_health=False)
            return connection.read_response()
    except BaseException:
        connection.disconnect()  # the next click connects afresh
        raise


def _follow_in_redis(token: str, count: bool) -> tuple[int, bool]:
    key, day = _token_key(token), timezone.now().date().isoformat()
    state = _run_click_script(key, day, count)
    if state is None:
        link_id, is_on = _from_database(token)
        ttl = settings.REFERRAL_LINK_CACHE_SECONDS
        redis_client().set(key, f"{link_id}:{int(is_on)}", nx=True, ex=ttl)
        if not link_id:
            return UNKNOWN
        state = _run_click_script(key, day, count)
        if state is None:  # expired or evicted at once: the database's answer stands
            if count and is_on:
                add_clicks({link_id: 1}, {(link_id, date.fromisoformat(day)): 1})
            return link_id, is_on
    found, _sep, on = state.partition(b":")
    return int(found), on == b"1"


def refresh_service_links(service_id: int) -> None:
    """After a publish or deactivate commits: overwrite the cached state of its links."""
    rows = ReferralLink.objects.filter(service_id=service_id).values_list(
        "pk", "token", "service__state"
    )
    states = {token: (pk, state == ServiceState.ON) for pk, token, state in rows}
    ttl = settings.REFERRAL_LINK_CACHE_SECONDS
    cache.set_many({_cache_key(token): value for token, value in states.items()}, ttl)
    if not uses_redis() or not states:
        return
    try:
        pipe = redis_client().pipeline(transaction=False)
        for token, (pk, is_on) in states.items():
            pipe.set(_token_key(token), f"{pk}:{int(is_on)}", ex=ttl)
        pipe.execute()
    except redis.RedisError:
        # The state change is committed; the old answer expires within the TTL.
        logger.exception("Could not update cached referral link states in Redis")


# --- counting ---------------------------------------------------------------------------------


def record_click(link_id: int) -> None:
    """Count one click. In Redis mode the database is not touched (unless Redis is down)."""
    day = timezone.now().date()
    if uses_redis() and not redis_outage().down():
        try:
            pipe = redis_client().pipeline(transaction=True)
            pipe.hincrby(PENDING_KEY, str(link_id), 1)
            pipe.hincrby(PENDING_KEY, f"{link_id}:{day.isoformat()}", 1)
            pipe.execute()
            return
        except redis.RedisError as exc:
            redis_outage().failed()
            if not counted_nothing(exc):
                logger.warning("Redis failed mid-click (%s); click not recounted", exc)
                return
            # A click is never dropped: without Redis it goes straight to the database.
            logger.warning("Redis unavailable; counting referral click in the database")
    add_clicks({link_id: 1}, {(link_id, day): 1})


def add_clicks(totals: dict[int, int], days: dict[tuple[int, date], int]) -> None:
    """Add counts to the links and their days, with UPDATE … = col + n (no read-modify-write).

    Locks are taken in link-id order, then day rows, so concurrent callers cannot deadlock.
    The statements are the ORM's own `update(clicks=F("clicks") + n)`, written once: on the
    database counter every click runs them, and building them per call cost more than
    executing them.
    """
    link_sql, day_sql = _update_statements()
    with transaction.atomic(), connection.cursor() as cursor:
        for link_id in sorted(totals):
            cursor.execute(link_sql, [totals[link_id], link_id])
        for (link_id, day), count in sorted(days.items()):
            cursor.execute(day_sql, [count, link_id, connection.ops.adapt_datefield_value(day)])
            if not cursor.rowcount:
                _create_day(link_id, day, count)


_statements: dict[str, tuple[str, str]] = {}


def _update_statements() -> tuple[str, str]:
    if connection.vendor not in _statements:
        q = connection.ops.quote_name
        link, day = q(ReferralLink._meta.db_table), q(DailyClicks._meta.db_table)
        clicks, link_id = f"{link}.{q('clicks')}", f"{link}.{q('id')}"
        count, day_link, day_day = (
            f"{day}.{q('count')}",
            f"{day}.{q('link_id')}",
            f"{day}.{q('day')}",
        )
        # Names from the models, quoted by the backend; every value is a parameter.
        link_sql = f"UPDATE {link} SET {q('clicks')} = ({clicks} + %s) WHERE {link_id} = %s"  # noqa: S608
        where = f"({day_link} = %s AND {day_day} = %s)"
        day_sql = f"UPDATE {day} SET {q('count')} = ({count} + %s) WHERE {where}"  # noqa: S608
        _statements[connection.vendor] = (link_sql, day_sql)
    return _statements[connection.vendor]


def _create_day(link_id: int, day: date, count: int) -> None:
    """The day's first click for the link: its row."""
    rows = DailyClicks.objects.filter(link_id=link_id, day=day)
    try:
        with transaction.atomic():
            DailyClicks.objects.create(link_id=link_id, day=day, count=count)
    except IntegrityError:
        # Another transaction created the day's row between our UPDATE and INSERT.
        rows.update(count=F("count") + count)


# --- flushing (Redis mode) --------------------------------------------------------------------


def flush_clicks() -> int:
    """Move the clicks counted in Redis to the database; return how many were moved.

    Safe to run at any time, repeatedly, concurrently, and after a crash at any point.
    """
    if not uses_redis():
        return 0
    client = redis_client()
    moved = 0
    # Batches a crashed (or concurrent) flush left open come first.
    for raw in client.smembers(OPEN_BATCHES_KEY):
        moved += _apply_batch(client, _text(raw))
    flush_id = uuid.uuid4().hex
    claimed = client.eval(
        CLAIM_BATCH, 3, PENDING_KEY, batch_key(flush_id), OPEN_BATCHES_KEY, flush_id
    )
    if claimed:
        moved += _apply_batch(client, flush_id)
    _prune_flush_records(client)
    return moved


def _text(value: bytes | str) -> str:
    # Our clients return bytes (no decode_responses); redis-py types both.
    return value.decode() if isinstance(value, bytes) else value


def _parse_batch(
    raw: dict[bytes | str, bytes | str],
) -> tuple[dict[int, int], dict[tuple[int, date], int]]:
    totals: dict[int, int] = defaultdict(int)
    days: dict[tuple[int, date], int] = defaultdict(int)
    for field, value in raw.items():
        link, _sep, day = _text(field).partition(":")
        if day:
            days[(int(link), date.fromisoformat(day))] += int(value)
        else:
            totals[int(link)] += int(value)
    return totals, days


def _apply_batch(client: redis.Redis, flush_id: str) -> int:
    key = batch_key(flush_id)
    totals, days = _parse_batch(client.hgetall(key))
    # A link is never deleted (PROTECT), but a count for an id that is not there must not
    # block every later flush.
    known = set(ReferralLink.objects.filter(pk__in=totals).values_list("pk", flat=True))
    totals = {k: v for k, v in totals.items() if k in known}
    days = {k: v for k, v in days.items() if k[0] in known}
    moved = sum(totals.values())
    with transaction.atomic():
        try:
            with transaction.atomic():
                ClickFlush.objects.create(flush_id=flush_id, clicks=moved)
        except IntegrityError:
            moved = 0  # this batch is in the database already
        else:
            add_clicks(totals, days)
    pipe = client.pipeline(transaction=True)
    pipe.delete(key)
    pipe.srem(OPEN_BATCHES_KEY, flush_id)
    pipe.execute()
    return moved


def _prune_flush_records(client: redis.Redis) -> None:
    """A record is needed only while its batch is open; keep a week of them for audit."""
    still_open = [_text(raw) for raw in client.smembers(OPEN_BATCHES_KEY)]
    old = timezone.now() - timedelta(days=7)
    ClickFlush.objects.filter(processed_at__lt=old).exclude(flush_id__in=still_open).delete()


def pending_clicks(link_ids: list[int]) -> dict[int, int]:
    """Clicks counted in Redis and not flushed yet (best effort, for display)."""
    if not uses_redis() or not link_ids:
        return {}
    try:
        values = redis_client().hmget(PENDING_KEY, [str(pk) for pk in link_ids])
    except redis.RedisError:
        return {}
    return {pk: int(v) for pk, v in zip(link_ids, values, strict=True) if v}
