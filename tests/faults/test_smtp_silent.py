"""An SMTP server that accepts the connection and never answers.

Seen before: EMAIL_TIMEOUT unset, an Approve in the embedded default hung > 60 s (the send,
then the in-process retries of the send); a worker would hang the same way.
"""

import smtplib
import time

import pytest
from django.core import mail
from django.urls import reverse

from notifications import tasks
from notifications.models import Notification
from tests.onboarding.conftest import make_application

from .conftest import celery_broker

EMAIL_TIMEOUT = 1


@pytest.fixture
def smtp_silent(settings, silent_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = silent_server.port
    settings.EMAIL_TIMEOUT = EMAIL_TIMEOUT
    return silent_server


def smtp_back(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_decision_returns_after_one_email_timeout_and_the_email_is_kept(
    alice, rita, client, smtp_silent, settings, django_capture_on_commit_callbacks
):
    # given: the embedded default, where the email is sent in the reviewer's request
    application = make_application(alice, state="pending_review")
    client.force_login(rita)
    url = reverse("admin:onboarding_application_approve", args=[application.pk])

    # when
    started = time.monotonic()
    with celery_broker(None, eager=True), django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    elapsed = time.monotonic() - started

    # then: one timeout, not a hang, and the outbox row is free for the next try
    assert response.status_code == 302
    assert smtp_silent.connections  # the server was really asked
    assert elapsed < EMAIL_TIMEOUT + 2
    application.refresh_from_db()
    assert application.state == "approved"
    notification = Notification.objects.get(user=alice)
    assert (notification.email_sent_at, notification.claimed_at) == (None, None)
    assert notification.attempts == 1

    # when: SMTP answers again and the sweep runs, twice
    smtp_back(settings)
    with celery_broker(None, eager=True):
        tasks.sweep_notifications.delay()
        tasks.sweep_notifications.delay()

    # then: the one email, sent once
    assert [m.to for m in mail.outbox] == [[alice.email]]


def test_a_worker_sending_gives_up_after_the_timeout(alice, rita, smtp_silent):
    # given: a committed notification (the decision's on-commit task did not run)
    make_application(alice, state="approved", reviewer=rita)
    notification = Notification.objects.get(user=alice)

    # when: the worker's send
    started = time.monotonic()
    with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
        tasks.deliver(notification.pk)
    elapsed = time.monotonic() - started

    # then: the worker is free again after one timeout, the row claimable for the retry
    assert elapsed < EMAIL_TIMEOUT + 1
    assert Notification.objects.claimable().filter(pk=notification.pk).exists()
