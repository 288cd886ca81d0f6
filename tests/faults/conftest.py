"""Faults, reproduced for real: Redis (cache, broker, clicks) at a port where nothing listens,
a broker that accepts connections and never answers, an SMTP server that never answers.

Nothing here is a mock of the portal's code: the portal runs with its own settings (timeouts,
retry policy, fallbacks) against sockets that misbehave.
"""

import socket
import threading
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings

from open_api.models import WebhookDelivery
from partner_center.celery import app as celery_app
from tests.apps_services.conftest import make_app
from tests.open_api.conftest import certified_alice, publish
from tests.open_api.test_webhooks import Receiver, _local_receiver_allowed, receiver

__all__ = ["Receiver", "_local_receiver_allowed", "certified_alice", "receiver"]

# Nothing listens on port 1: every connection is refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"
# A budget a request must answer within while a dependency is down (the issue: "~2 s").
BUDGET_SECONDS = 3.0


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


class SilentServer:
    """Accepts TCP connections and never says a word: a hung broker or SMTP server."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)  # held open, never answered

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        for conn in self.connections:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def _drop_broker_connections():
    # Forget (do not close: kombu shares them per URL) the pools built for the last URL.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str | None, *, eager: bool = False):
    """Publish to `url` (with the portal's own transport settings), or run tasks in-process
    when `eager`, for the duration of the block."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    if url:
        conf.broker_url = url
    conf.task_always_eager = eager
    _drop_broker_connections()
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        _drop_broker_connections()


@pytest.fixture
def broker_down():
    """The broker is unreachable: connection refused."""
    with celery_broker(DEAD_REDIS):
        yield


@pytest.fixture
def broker_hung(silent_server):
    """The broker accepts connections and never answers (the slow kind of outage)."""
    with celery_broker(f"redis://127.0.0.1:{silent_server.port}/0"):
        yield


def dead_redis_cache(url: str = DEAD_REDIS) -> dict:
    """CACHES as settings.py builds them for REDIS_URL=url."""
    return {
        "default": {
            "BACKEND": "partner_center.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "socket_connect_timeout": django_settings.REDIS_CONNECT_TIMEOUT,
                "socket_timeout": django_settings.REDIS_SOCKET_TIMEOUT,
                "RETRY_AFTER": django_settings.REDIS_RETRY_AFTER_SECONDS,
            },
        }
    }


@pytest.fixture
def redis_down(settings, broker_down):
    """REDIS_URL points at a closed port: cache, broker and referral clicks all unreachable."""
    settings.CACHES = dead_redis_cache()
    settings.REFERRAL_CLICK_COUNTER = "redis"
    settings.REFERRAL_CLICKS_REDIS_URL = DEAD_REDIS


@pytest.fixture
def hooked_app(_local_receiver_allowed, certified_alice, receiver):
    """Alice's published app, its Webhook URL on the test receiver."""
    app = publish(make_app(certified_alice, webhook_url=receiver.url))
    receiver.app_key = app.app_key
    receiver.secret = ""  # signatures are the webhook tests' business
    return app


def make_delivery(app, *, shop_id: str = "7494000000000101") -> WebhookDelivery:
    """A deauthorization event for `app`, committed (its on-commit task is not run)."""
    return WebhookDelivery.enqueue(
        app=app,
        event_type=WebhookDelivery.EventType.SELLER_DEAUTHORIZATION,
        shop_id=shop_id,
        data={"message": "The seller revoked the authorization of this app."},
    )


@pytest.fixture
def published_tasks():
    """(task name, args, eta) of every message published meanwhile."""
    from celery.signals import before_task_publish

    seen: list[tuple[str, tuple, str | None]] = []

    def record(sender=None, body=None, headers=None, **kwargs):
        seen.append((sender, tuple(body[0]), (headers or {}).get("eta")))

    before_task_publish.connect(record, weak=False)
    yield seen
    before_task_publish.disconnect(record)


@pytest.fixture
def redis_hung(settings, silent_server, broker_hung):
    """REDIS_URL points at a server that accepts connections and never answers."""
    url = f"redis://127.0.0.1:{silent_server.port}/0"
    settings.CACHES = dead_redis_cache(url)
    settings.REFERRAL_CLICK_COUNTER = "redis"
    settings.REFERRAL_CLICKS_REDIS_URL = url
