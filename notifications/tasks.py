"""Emailing notifications through the outbox (SPEC §3.13).

`Notification` rows are the outbox. The event commits the row; on commit a task is queued;
the task claims the row (an UPDATE that only one worker can win) and sends. When the broker
is down the queueing fails quietly and `sweep_notifications` (Celery beat, or the
`deliver_notifications` command) picks the row up later. A claim that never turned into a
send (the worker died) goes stale and becomes claimable again.
"""

import logging

from celery import shared_task

from partner_center.celery import publish

from .models import Notification

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


def queue_delivery(notification_id: int) -> None:
    """Called on commit. A broker outage must not turn a committed decision into an error
    page: the row is safe in the database and the sweep will send it."""
    if not publish(deliver_notification, notification_id):
        logger.info("Could not queue notification %s; the sweep will deliver it.", notification_id)


def deliver(notification_id: int) -> bool:
    """Claim the notification and email it. Returns False when there was nothing to do."""
    from . import emails

    if not Notification.claim(notification_id):
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        emails.send_notification(notification)
    except Exception:
        notification.release()
        raise
    notification.mark_sent()
    return True


def _deliver_with_retries(task, notification_id: int) -> bool:
    try:
        return deliver(notification_id)
    except Notification.DoesNotExist:
        return False
    except Exception as exc:
        if task.request.is_eager:
            # In-process (embedded default, or a request): retrying here would make the
            # request wait for SMTP again and again. The row is released; the sweep sends it.
            logger.warning("Notification %s not sent; the sweep will retry.", notification_id)
            return False
        # SMTP trouble: try again with backoff (at most 8 min away, well inside the broker's
        # visibility timeout); the sweep is the safety net after that.
        raise task.retry(exc=exc, countdown=30 * 2**task.request.retries) from exc


@shared_task(name="notifications.deliver_notification", bind=True, max_retries=5)
def deliver_notification(self, notification_id: int) -> bool:
    """Email one notification, once. Safe to run twice or concurrently."""
    return _deliver_with_retries(self, notification_id)


def sweep() -> int:
    """Send every notification still waiting; return how many were sent."""
    sent = 0
    ids = list(Notification.objects.claimable().order_by("pk").values_list("pk", flat=True))
    for notification_id in ids[:SWEEP_BATCH]:
        try:
            sent += deliver(notification_id)
        except Exception:
            logger.exception("Notification %s could not be sent; will retry.", notification_id)
    return sent


def fan_out() -> int:
    """Queue one delivery task per notification still waiting; return how many were queued.

    Each task sends one email within EMAIL_TIMEOUT, so one unanswering SMTP server does not
    hold the whole batch in one task. What cannot be queued is sent here, serially.
    """
    ids = list(Notification.objects.claimable().order_by("pk").values_list("pk", flat=True))
    queued = 0
    for notification_id in ids[:SWEEP_BATCH]:
        if publish(deliver_notification, notification_id):
            queued += 1
            continue
        try:
            deliver(notification_id)
        except Exception:
            logger.exception("Notification %s could not be sent; will retry.", notification_id)
    return queued


@shared_task(name="notifications.sweep_notifications")
def sweep_notifications() -> int:
    """Celery beat, every minute: deliver what the on-commit tasks did not."""
    return fan_out()


# The names these tasks had while notifications lived in onboarding: messages queued (or
# retries scheduled) before a deploy still name them, and a worker must not drop them.
@shared_task(name="onboarding.deliver_notification", bind=True, max_retries=5)
def deliver_notification_by_old_name(self, notification_id: int) -> bool:
    return _deliver_with_retries(self, notification_id)


@shared_task(name="onboarding.sweep_notifications")
def sweep_notifications_by_old_name() -> int:
    return fan_out()
