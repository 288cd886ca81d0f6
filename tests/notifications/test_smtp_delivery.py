"""A reviewer's decision reaches a real SMTP server through a real worker, once.

The whole way: the reviewer presses Approve in the admin; the decision commits with its
outbox row and queues the delivery task on commit (partner_center.celery.publish, to Redis);
a Celery worker in another process claims the row and sends through Django's SMTP backend to
an SMTP server in this process (bench/smtp_sink.py, the one the latency benchmark uses).
"""

import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from bench.smtp_sink import smtp_sink
from notifications import tasks
from notifications.models import Notification
from partner_center.celery import app as celery_app
from tests.conftest import requires_postgres, requires_redis
from tests.onboarding.conftest import make_application
from tests.test_worker import ROOT, database_url_for_worker

PORTAL = "https://partners.example"

pytestmark = [pytest.mark.redis, pytest.mark.postgres, requires_redis(), requires_postgres()]


def marked_sent(notification: Notification, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.email_sent_at is not None:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def sink():
    with smtp_sink() as running:
        yield running


@pytest.fixture
def delivery_queue(transactional_db):
    """This test's queue: deliveries queued on commit go to it, and only its worker reads
    it (so no task another test left in the broker reaches this test's SMTP server)."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    conf, amqp = celery_app.conf, celery_app.amqp
    saved = conf.task_routes
    conf.task_routes = {tasks.deliver_notification.name: {"queue": queue}}
    amqp.flush_routes()
    amqp.__dict__.pop("router", None)  # the cached router holds the routes it was made with
    yield queue
    conf.task_routes = saved
    amqp.flush_routes()
    amqp.__dict__.pop("router", None)


@pytest.fixture
def worker(delivery_queue, sink):
    """A worker on the test's queue, sending through the SMTP server `sink`."""
    env = {
        **os.environ,
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": database_url_for_worker(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": sink.host,
        "EMAIL_PORT": str(sink.port),
        "EMAIL_USE_TLS": "0",
        "PORTAL_BASE_URL": PORTAL,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "partner_center", "worker", "-Q", delivery_queue,
         "--pool", "solo", "--concurrency", "1", "--loglevel", "warning", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    yield delivery_queue
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_an_approval_is_emailed_through_smtp_once_with_a_working_link(
    alice, rita, client, sink, worker
):
    # given: alice's application waits for review; rita is in the admin
    application = make_application(alice, state="pending_review")
    client.force_login(rita)

    # when: rita presses Approve
    started = time.monotonic()
    response = client.post(f"/admin/onboarding/application/{application.pk}/approve/")

    # then: the SMTP server receives alice's email from the worker
    assert response.status_code == 302
    assert sink.wait_for(1, timeout=20), "no email reached the SMTP server"
    (received,) = sink.messages
    assert received.recipients == ["alice@example.com"]
    assert received.at - started < 20
    assert "approved" in received.subject.lower()
    notification = Notification.objects.get(user=alice)
    assert received.message_id == f"<notification-{notification.pk}@partner-center>"
    # (the row is marked sent once the SMTP server has said yes)
    assert marked_sent(notification, timeout=10)
    assert notification.attempts == 1

    # and: its link is on the portal's public address, and opens the application for alice
    (link,) = [word for word in received.body.split() if word.startswith(PORTAL)]
    client.force_login(alice)
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200
    assert page.context["application"].pk == application.pk

    # when: copies of the delivery task arrive (a redelivery after a visibility timeout, a
    # sweep that queued it again), and each runs to the end on the worker
    deliver = tasks.deliver_notification
    copies = [
        deliver.apply_async((notification.pk,), queue=worker, ignore_result=False) for _ in range(2)
    ]

    # then: nothing more is sent
    assert [copy.get(timeout=20) for copy in copies] == [False, False]
    assert len(sink.messages) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1
