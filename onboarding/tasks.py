"""Background work for onboarding: emailing notifications through the outbox (SPEC §3.13).

`Notification` rows are the outbox. The decision commits the row; on commit a task is
queued; the task claims the row (an UPDATE that only one worker can win) and sends. When the
broker is down the queueing fails quietly and `sweep_notifications` (Celery beat, or the
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


@shared_task(name="onboarding.deliver_notification", bind=True, max_retries=5)
def deliver_notification(self, notification_id: int) -> bool:
    """Email one notification, once. Safe to run twice or concurrently."""
    try:
        return deliver(notification_id)
    except Notification.DoesNotExist:
        return False
    except Exception as exc:
        if self.request.is_eager:
            # In-process (embedded default, or a request): retrying here would make the
            # request wait for SMTP again and again. The row is released; the sweep sends it.
            logger.warning("Notification %s not sent; the sweep will retry.", notification_id)
            return False
        # SMTP trouble: try again with backoff (at most 8 min away, well inside the broker's
        # visibility timeout); the sweep is the safety net after that.
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


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


@shared_task(name="onboarding.sweep_notifications")
def sweep_notifications() -> int:
    """Celery beat, every minute: deliver what the on-commit tasks did not."""
    return fan_out()


@shared_task(name="onboarding.purge_pending_uploads")
def purge_pending_uploads() -> int:
    """Beat, daily: documents chosen in a form that was never saved, after two days."""
    from datetime import timedelta

    from .pending import PendingUpload

    return PendingUpload.objects.purge_stale(older_than=timedelta(days=2))
