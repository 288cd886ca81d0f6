"""SPEC §3.13: every decision is announced in-app and by email, exactly once, even when the
broker is down at decision time or a worker dies mid-send."""

from datetime import timedelta
from unittest import mock

import pytest
from celery import Celery
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import tasks
from notifications.models import Notification
from onboarding import services
from partner_center.celery import app as celery_app
from tests.onboarding.conftest import make_application


def test_a_decision_creates_a_notification_and_one_email(
    alice, rita, django_capture_on_commit_callbacks
):
    # given
    application = make_application(alice, state="pending_review")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_application(
            application_id=application.pk, by=rita, approve=False, reason="Blurred scan"
        )

    # then
    (notification,) = Notification.objects.filter(user=alice)
    assert notification.kind == "application_rejected"
    assert notification.email_sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    assert "Blurred scan" in mail.outbox[0].body
    assert f"/onboarding/applications/{application.pk}/" in mail.outbox[0].body


def test_the_notification_row_commits_with_the_decision_and_the_task_waits_for_commit(
    alice, rita, django_capture_on_commit_callbacks
):
    application = make_application(alice, state="pending_review")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.decide_application(application_id=application.pk, by=rita, approve=True)

    assert Notification.objects.filter(user=alice, email_sent_at=None).count() == 1
    assert mail.outbox == []
    # one email queued for after the commit (others drop cached counts and roles)
    queued = [c for c in callbacks if getattr(c, "func", None) is tasks.queue_delivery]
    assert len(queued) == 1


def test_a_failed_transition_announces_nothing(alice, rita, django_capture_on_commit_callbacks):
    draft = make_application(alice)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.DecisionRefused):
        services.decide_application(application_id=draft.pk, by=rita, approve=True)

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_broker_down_at_decision_time_then_the_sweep_delivers_exactly_once(
    alice, rita, django_capture_on_commit_callbacks
):
    # given
    application = make_application(alice, state="pending_review")
    broker_down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    # when: the decision commits while queueing the email fails
    with (
        mock.patch.object(tasks.deliver_notification, "delay", side_effect=broker_down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.decide_application(application_id=application.pk, by=rita, approve=True)

    # then: decided, announced in-app, email still owed
    application.refresh_from_db()
    assert application.state == "approved"
    assert Notification.objects.get(user=alice).email_sent_at is None
    assert mail.outbox == []

    # when: ops (or beat) run the sweep, twice
    call_command("deliver_notifications")
    call_command("deliver_notifications")

    # then
    assert len(mail.outbox) == 1
    assert Notification.objects.get(user=alice).email_sent_at is not None


def test_unreachable_broker_at_decision_time_does_not_break_the_decision(
    alice, rita, caplog, django_capture_on_commit_callbacks
):
    """No fake exception: a real Celery client publishing to a port where nothing listens."""
    # given
    application = make_application(alice, state="pending_review")
    dead = Celery("dead-broker", broker="redis://127.0.0.1:1/0", set_as_current=False)
    dead.conf.task_publish_retry = False
    dead.conf.broker_connection_timeout = 0.5
    dead.conf.broker_transport_options = {"max_retries": 0, "socket_connect_timeout": 0.5}

    def publish(notification_id):
        return dead.send_task("notifications.deliver_notification", args=[notification_id])

    # when
    with (
        mock.patch.object(tasks.deliver_notification, "delay", side_effect=publish),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.decide_application(application_id=application.pk, by=rita, approve=True)
    dead.close()

    # then
    assert "Could not queue notification" in caplog.text
    assert mail.outbox == []
    assert tasks.sweep() == 1
    assert len(mail.outbox) == 1


def test_the_task_run_twice_sends_once(alice, rita, django_capture_on_commit_callbacks):
    # given: a committed notification whose task has not run yet
    application = make_application(alice, state="pending_review")
    with django_capture_on_commit_callbacks(execute=False):
        services.decide_application(application_id=application.pk, by=rita, approve=True)
    notification = Notification.objects.get(user=alice)

    # when
    first = tasks.deliver_notification.apply(args=[notification.pk]).get()
    second = tasks.deliver_notification.apply(args=[notification.pk]).get()

    # then
    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1


def test_a_claim_held_by_a_live_worker_is_left_alone(
    alice, rita, django_capture_on_commit_callbacks
):
    application = make_application(alice, state="pending_review")
    with django_capture_on_commit_callbacks(execute=False):
        services.decide_application(application_id=application.pk, by=rita, approve=True)
    Notification.objects.update(claimed_at=timezone.now() - timedelta(seconds=30))

    assert tasks.sweep() == 0
    assert mail.outbox == []


def test_a_worker_that_died_mid_send_is_taken_over_by_the_sweep(
    alice, rita, settings, django_capture_on_commit_callbacks
):
    # given: claimed long ago, never marked sent
    application = make_application(alice, state="pending_review")
    with django_capture_on_commit_callbacks(execute=False):
        services.decide_application(application_id=application.pk, by=rita, approve=True)
    stale = timedelta(seconds=settings.NOTIFICATION_CLAIM_STALE_SECONDS + 60)
    Notification.objects.update(claimed_at=timezone.now() - stale, attempts=1)

    # when
    sent = tasks.sweep()

    # then
    assert sent == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"].startswith("<notification-")
    assert Notification.objects.get().attempts == 2


def test_smtp_failure_releases_the_claim_for_the_next_try(
    alice, rita, django_capture_on_commit_callbacks
):
    application = make_application(alice, state="pending_review")
    with django_capture_on_commit_callbacks(execute=False):
        services.decide_application(application_id=application.pk, by=rita, approve=True)
    notification = Notification.objects.get()

    with mock.patch("notifications.registry.EmailMessage.send", side_effect=OSError("SMTP down")):
        assert tasks.sweep() == 0

    notification.refresh_from_db()
    assert (notification.claimed_at, notification.email_sent_at) == (None, None)
    assert tasks.sweep() == 1


def test_beat_runs_the_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-sweep"]

    assert entry["task"] == "notifications.sweep_notifications"
    assert entry["schedule"] == 60.0
    assert "notifications.sweep_notifications" in celery_app.tasks


def test_tasks_queued_under_their_names_in_onboarding_still_run(
    alice, rita, django_capture_on_commit_callbacks
):
    # given: messages published before the deploy that moved the tasks
    application = make_application(alice, state="pending_review")
    with django_capture_on_commit_callbacks(execute=False):
        services.decide_application(application_id=application.pk, by=rita, approve=True)
    notification = Notification.objects.get(user=alice)
    deliver = celery_app.tasks["onboarding.deliver_notification"]
    sweep = celery_app.tasks["onboarding.sweep_notifications"]

    # when
    sent = [
        deliver.apply(args=[notification.pk]).get(),
        deliver.apply(args=[notification.pk]).get(),
    ]
    swept = sweep.apply().get()

    # then
    assert sent == [True, False]
    assert swept == 0
    assert len(mail.outbox) == 1


def test_bell_counts_unread_and_the_list_marks_read(alice_client, alice, rita):
    # given
    make_application(alice, state="approved", reviewer=rita)
    make_application(alice, state="rejected", reviewer=rita, category="creator-matchmaking")

    # when
    home = alice_client.get("/").content.decode()
    listing = alice_client.get("/onboarding/notifications/").content.decode()
    first = Notification.objects.filter(user=alice).first()
    opened = alice_client.post(f"/onboarding/notifications/{first.pk}/open/")

    # then
    assert '<span class="bell-count">2' in home
    assert "Approved: LIVE Management" in listing
    assert "Not approved: Creator matchmaking" in listing
    assert opened.url == first.url
    assert Notification.objects.filter(user=alice, read_at=None).count() == 1
    alice_client.post("/onboarding/notifications/read-all/")
    assert "bell-count" not in alice_client.get("/").content.decode()


def test_shell_pages_use_a_constant_number_of_queries(
    alice_client, alice, rita, django_assert_max_num_queries
):
    make_application(alice, state="approved", reviewer=rita)
    alice_client.get("/")  # warm up the session

    # 6 for the shell and the business guide, 2 for the application progress stepper.
    with django_assert_max_num_queries(8):
        alice_client.get("/")
