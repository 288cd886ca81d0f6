"""A worker killed mid-delivery (SIGKILL while its webhook POST is in flight): the claim goes
stale, the sweep takes it over, and the delivery ends delivered once, logged once.

A real Celery worker against the Redis at REDIS_URL, as in tests/test_worker.py.
"""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.core import mail

from notifications import tasks as notification_tasks
from notifications.models import Notification
from open_api import tasks as webhook_tasks
from open_api.models import WebhookDelivery
from tests.conftest import requires_redis
from tests.onboarding.conftest import make_application
from tests.test_worker import ROOT, database_url_for_worker

from .conftest import make_delivery


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the worker")
        time.sleep(0.05)


@pytest.fixture
def start_worker(transactional_db):
    """Start a real worker on a queue of its own, with extra environment; (queue, process)."""
    started = []

    def start(**extra_env):
        queue = f"test-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "REDIS_URL": settings.REDIS_URL,
            "DATABASE_URL": database_url_for_worker(),
            **extra_env,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "partner_center", "worker", "-Q", queue,
             "--pool", "solo", "--concurrency", "1", "--loglevel", "warning",
             "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(proc)
        return queue, proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def kill(proc) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.mark.redis
@requires_redis()
def test_a_webhook_post_cut_short_by_a_dead_worker_is_delivered_once(
    hooked_app, receiver, start_worker, settings
):
    # given: the receiver holds the first request long enough for the worker to die in it
    queue, proc = start_worker(WEBHOOK_ALLOW_PRIVATE_ADDRESSES="1")
    receiver.delay = 5
    delivery = make_delivery(hooked_app)

    # when: the worker is killed while its POST is in flight
    webhook_tasks.deliver_webhook.apply_async(
        (delivery.pk, delivery.next_attempt_at.isoformat()), queue=queue
    )
    wait_for(lambda: len(receiver.requests) == 1)
    kill(proc)
    receiver.delay = 0

    # then: the row is held by the dead worker and nothing was logged
    delivery.refresh_from_db()
    assert delivery.claimed_at is not None
    assert delivery.attempt_log.count() == 0
    assert webhook_tasks.sweep() == 0  # a live claim is respected

    # when: the claim goes stale and the sweep runs, twice
    settings.WEBHOOK_CLAIM_STALE_SECONDS = 0
    made = [webhook_tasks.sweep(), webhook_tasks.sweep()]

    # then: taken over once, delivered, one attempt in the log; the same event both times
    assert made == [1, 0]
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.SUCCEEDED
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [200]
    first, second = receiver.requests
    assert first["body"] == second["body"]  # same tts_notification_id: the developer dedups


@pytest.mark.redis
@requires_redis()
def test_an_email_cut_short_by_a_dead_worker_is_sent_once(
    alice, rita, start_worker, silent_server, settings
):
    # given: a decision's email, and a worker stuck on an SMTP server that never answers
    make_application(alice, state="approved", reviewer=rita)
    notification = Notification.objects.get(user=alice)
    queue, proc = start_worker(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(silent_server.port),
        EMAIL_TIMEOUT="60",
    )

    # when: the worker is killed in the middle of the send
    notification_tasks.deliver_notification.apply_async((notification.pk,), queue=queue)
    wait_for(lambda: silent_server.connections)
    kill(proc)

    # then: the row is held by the dead worker, and unsent
    notification.refresh_from_db()
    assert notification.claimed_at is not None
    assert notification.email_sent_at is None
    assert notification_tasks.sweep() == 0  # a live claim is respected

    # when: the claim goes stale; the sweep runs, twice
    settings.NOTIFICATION_CLAIM_STALE_SECONDS = 0
    sent = [notification_tasks.sweep(), notification_tasks.sweep()]

    # then
    assert sent == [1, 0]
    assert [m.to for m in mail.outbox] == [[alice.email]]
