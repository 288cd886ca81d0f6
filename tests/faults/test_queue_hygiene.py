"""Queue hygiene: retries live in the database, not as long countdowns in the broker; the
sweeps fan out one task per due row; copies of a task post once per due time.

Seen before: webhook retries were Celery countdowns of up to 12 h, which the Redis broker
hands out again after its 1 h visibility timeout (copies multiply); the sweep posted 200
deliveries serially inside one task.
"""

from datetime import UTC, datetime, timedelta

from django.core import mail

from notifications import tasks as notification_tasks
from notifications.models import Notification
from open_api import tasks as webhook_tasks
from open_api.models import WebhookDelivery
from tests.conftest import make_user
from tests.onboarding.conftest import make_application

from .conftest import celery_broker, make_delivery

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
IN_MEMORY_BROKER = "memory://localhost/"


def test_a_failed_delivery_schedules_its_retry_in_the_row_not_the_broker(
    hooked_app, receiver, published_tasks, time_machine, settings
):
    # given: the receiver fails the first attempt
    time_machine.move_to(T0, tick=False)
    receiver.statuses = [500]
    delivery = make_delivery(hooked_app)

    # when: a worker runs the task (published to a real, in-memory broker)
    with celery_broker(IN_MEMORY_BROKER):
        webhook_tasks.deliver_webhook.run(delivery.pk)

    # then: the retry time is on the row, and nothing waits in the broker for it
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == T0 + timedelta(seconds=settings.WEBHOOK_RETRY_DELAYS[0])
    assert delivery.state == WebhookDelivery.State.PENDING
    assert published_tasks == []


def test_every_retry_delay_is_scheduled_by_the_sweep_and_posted_once(
    hooked_app, receiver, time_machine, settings
):
    # given: a receiver that fails every attempt
    time_machine.move_to(T0, tick=False)
    receiver.statuses = [500] * 10
    delivery = make_delivery(hooked_app)
    webhook_tasks.sweep()
    now = T0

    # when: beat's sweep runs at every due time, and three more copies of each task arrive
    for delay in settings.WEBHOOK_RETRY_DELAYS:
        now += timedelta(seconds=delay)
        time_machine.move_to(now, tick=False)
        due = WebhookDelivery.objects.get(pk=delivery.pk).next_attempt_at
        with celery_broker(None, eager=True):
            webhook_tasks.sweep_webhooks.delay()
            for _ in range(3):
                webhook_tasks.deliver_webhook.delay(delivery.pk, due.isoformat())

    # then: one post per due time, then given up
    assert len(receiver.requests) == 1 + len(settings.WEBHOOK_RETRY_DELAYS)
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.GIVEN_UP


def test_a_late_copy_of_a_task_does_not_take_the_next_attempt(hooked_app, receiver, time_machine):
    # given: the first attempt failed; a copy of its task is still in the broker
    time_machine.move_to(T0, tick=False)
    receiver.statuses = [500]
    delivery = make_delivery(hooked_app)
    first_due = delivery.next_attempt_at
    webhook_tasks.deliver_webhook.run(delivery.pk, first_due.isoformat())

    # when: the copy arrives after the retry fell due
    time_machine.move_to(T0 + timedelta(minutes=3), tick=False)
    late = webhook_tasks.deliver_webhook.run(delivery.pk, first_due.isoformat())

    # then: it does nothing; the retry is the sweep's task's
    assert late is None
    assert len(receiver.requests) == 1
    with celery_broker(None, eager=True):
        webhook_tasks.sweep_webhooks.delay()
    assert len(receiver.requests) == 2


def test_the_webhook_sweep_fans_out_one_task_per_due_delivery(
    hooked_app, receiver, published_tasks, time_machine
):
    # given: three due deliveries, one not due yet
    time_machine.move_to(T0, tick=False)
    due = [make_delivery(hooked_app, shop_id=f"74940000000001{i:02d}") for i in range(3)]
    later = make_delivery(hooked_app, shop_id="7494000000000199")
    WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=T0 + timedelta(hours=1))

    # when
    with celery_broker(IN_MEMORY_BROKER):
        queued = webhook_tasks.sweep_webhooks.run()

    # then: one task each, carrying its due time; the sweep itself posted nothing
    assert queued == 3
    assert sorted(published_tasks) == sorted(
        ("apps_services.deliver_webhook", (d.pk, T0.isoformat()), None) for d in due
    )
    assert receiver.requests == []


def test_the_notification_sweep_fans_out_one_task_per_waiting_email(
    rita, published_tasks, settings
):
    # given: two decisions whose on-commit tasks never ran
    for i in range(2):
        make_application(make_user(email=f"p{i}@example.com"), state="approved", reviewer=rita)
    waiting = sorted(Notification.objects.values_list("pk", flat=True))

    # when
    with celery_broker(IN_MEMORY_BROKER):
        queued = notification_tasks.sweep_notifications.run()

    # then
    assert queued == 2
    assert sorted(args for _name, args, _eta in published_tasks) == [(pk,) for pk in waiting]
    assert mail.outbox == []
