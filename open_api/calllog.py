"""The API call log (SPEC §9.3): what each Open API call did, recorded off the request path.

`open_api.api` fills a `CallNote` as the call goes (the endpoint, the app once known, the
shop, the error code) and hands it to `record()` with the response.

`record()` writes nothing and sends nothing: it appends one tuple to this process's buffer
under a lock. A daemon thread (started with the first call in each served process, see
`serve()`) writes the buffer with one bulk INSERT every FLUSH_SECONDS, or as soon as BATCH
rows wait. So the signed shops call keeps its speed, and another process's call shows on
the call log page within about a second; the page flushes its own process's buffer first.

* A process that exits normally (gunicorn's graceful stop, runserver's Ctrl-C) writes what
  is left (`atexit`). A killed one loses at most its last second of calls.
* The database down: the rows stay in the buffer and are tried again on the next flush, up
  to MAX_ROWS; beyond that the newest calls are dropped and counted (`BUFFER.dropped`),
  with a warning. The API answer never waits for or hears of it.
* Without `serve()` (tests, the shell) there is no thread and no exit flush: rows wait for
  `flush()` (a test database is gone by the time the process exits).
"""

import atexit
import functools
import ipaddress
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction

from partner_center import requestid

from .endpoints import Endpoint

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
BATCH = 500  # rows that wake the flusher before its second is up
MAX_ROWS = 50_000  # kept while the database is away (~15 MB); newer calls are dropped past it


@dataclass
class CallNote:
    """What the call log keeps of one call; each step fills in what it learns."""

    endpoint: Endpoint | None
    started: float  # time.perf_counter() when the call arrived
    app_id: int | None = None
    shop_cipher: str = ""
    shop_id: str = ""
    code: int = 0

    def latency_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)

    def note_shops(self, shops: list[dict]) -> None:
        """The shop the call is about, from the access token's shops: the one its
        `shop_cipher` names, else the token's only shop."""
        for shop in shops:
            if (self.shop_cipher and shop["cipher"] == self.shop_cipher) or (
                not self.shop_cipher and len(shops) == 1
            ):
                self.shop_id, self.shop_cipher = str(shop["id"]), shop["cipher"]
                return


# (request_id, app_id, endpoint, method, path, shop_cipher, shop_id, status, code,
#  latency_ms, (REMOTE_ADDR, forwarded-for header), unix time): a plain tuple, so recording
#  builds no model instance.
Row = tuple


class CallBuffer:
    """This process's calls not yet written, and the thread that writes them."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.lock = threading.Lock()  # guards rows
        self.flushing = threading.Lock()  # one flush at a time (the thread, a page, atexit)
        self.wake = threading.Event()
        self.background = False
        self.pid = 0  # the process whose flusher runs; a forked child starts its own
        self.dropped = 0
        self.reported = 0  # dropped calls already warned about
        self.written = 0

    def add(self, row: Row) -> None:
        if self.background and self.pid != os.getpid():
            self._start()
        with self.lock:
            if len(self.rows) >= MAX_ROWS:
                self.dropped += 1
                return
            self.rows.append(row)
            waiting = len(self.rows)
        if waiting == BATCH:
            self.wake.set()

    def _start(self) -> None:
        with self.lock:
            if self.pid == os.getpid():
                return
            if self.pid:  # forked from a process that recorded: its rows are its own
                self.rows = []
            self.pid = os.getpid()
        threading.Thread(target=self._run, name="api-call-log", daemon=True).start()

    def _run(self) -> None:
        while True:
            self.wake.wait(FLUSH_SECONDS)
            self.wake.clear()
            try:
                written = self.flush()
                self._report_dropped()
                if written <= 0:
                    # Idle, or the database away: give the connection back rather than
                    # hold one per process for nothing (and never reuse a broken one).
                    connection.close()
            except Exception:  # the thread must outlive any surprise
                logger.exception("API call log: the flusher failed; it goes on.")

    def _report_dropped(self) -> None:
        if self.dropped > self.reported:
            logger.warning(
                "API call log: %s call(s) dropped so far (the buffer was full).", self.dropped
            )
            self.reported = self.dropped

    def flush(self) -> int:
        """Write every waiting row in bulk; return how many were written (-1: the database
        refused, the rows wait for the next flush). Never raises."""
        from .models import ApiCall

        with self.flushing:
            with self.lock:
                rows, self.rows = self.rows, []
            if not rows:
                return 0
            try:
                # A savepoint when a page's transaction is open: a failure leaves it usable.
                with transaction.atomic():
                    _insert(ApiCall, rows)
            except (OperationalError, InterfaceError):
                logger.warning(
                    "Could not write %s API call log row(s); kept for the next flush.",
                    len(rows),
                    exc_info=True,
                )
                self._put_back(rows)
                return -1
            except (DatabaseError, ValueError, TypeError):
                # Not the database being away: retrying the same rows would fail forever.
                logger.exception("API call log: %s row(s) refused and dropped.", len(rows))
                with self.lock:
                    self.dropped += len(rows)
                return -1
            self.written += len(rows)
            return len(rows)

    def _put_back(self, rows: list[Row]) -> None:
        with self.lock:
            kept = (rows + self.rows)[:MAX_ROWS]
            lost = len(rows) + len(self.rows) - len(kept)
            self.rows = kept
            self.dropped += lost


COLUMNS = (
    "request_id",
    "app_id",
    "endpoint",
    "method",
    "path",
    "shop_cipher",
    "shop_id",
    "status",
    "code",
    "latency_ms",
    "ip",
    "at",
)


def _insert(model, rows: list[Row]) -> None:
    """One INSERT statement executed for every row (executemany: psycopg pipelines it,
    SQLite loops in C), straight from the tuples: a model instance per row and
    bulk_create's compiler cost more than the call itself did."""
    ops = connection.ops
    # Only the model's own table and column names go into the text; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        ops.quote_name(model._meta.db_table),
        ", ".join(ops.quote_name(column) for column in COLUMNS),
        ", ".join(["%s"] * len(COLUMNS)),
    )
    proxies = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    params = [
        (
            *row[:10],
            _address(_client_ip(*row[10], proxies=proxies)),
            ops.adapt_datetimefield_value(datetime.fromtimestamp(row[11], UTC)),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


BUFFER = CallBuffer()


def serve() -> None:
    """Called where the portal is served (partner_center/wsgi.py): write the buffer from a
    daemon thread in each process that records calls, and what is left at exit."""
    if not BUFFER.background:
        BUFFER.background = True
        atexit.register(BUFFER.flush)


def flush() -> int:
    """Write this process's waiting calls now (the call log page, tests, exit)."""
    return BUFFER.flush()


def _address(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


def _client_ip(remote_addr: str | None, forwarded: str | None, *, proxies: int) -> str | None:
    """The client's address as allauth reads it (ALLAUTH_TRUSTED_CLIENT_IP_HEADER, or the
    X-Forwarded-For entry ALLAUTH_TRUSTED_PROXY_COUNT names), worked out at flush time."""
    if _trusted_header():
        return forwarded
    if proxies > 0 and forwarded:
        entries = forwarded.split(",")
        if len(entries) >= proxies:
            return entries[-proxies].strip()
    return remote_addr


@functools.cache
def _trusted_header() -> str:
    return getattr(settings, "ALLAUTH_TRUSTED_CLIENT_IP_HEADER", None) or ""


def _forwarded(meta) -> str | None:
    header = _trusted_header()
    key = "HTTP_" + header.upper().replace("-", "_") if header else "HTTP_X_FORWARDED_FOR"
    return meta.get(key)


def record(request, note: CallNote, response) -> None:
    """Keep the call for the log: one tuple appended to this process's buffer."""
    if not note.shop_cipher:
        note.shop_cipher = request.GET.get("shop_cipher", "")
    BUFFER.add(
        (
            requestid.current(),
            note.app_id,
            note.endpoint.key if note.endpoint else "",
            request.method[:8],
            request.path[:200],
            note.shop_cipher[:64],
            note.shop_id[:32],
            response.status_code,
            note.code,
            note.latency_ms(),
            (request.META.get("REMOTE_ADDR"), _forwarded(request.META)),
            time.time(),
        )
    )
