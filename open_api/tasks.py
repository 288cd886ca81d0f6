"""Background work for the Open API: webhook delivery and expiry notices (SPEC §4.9).

`WebhookDelivery` rows are the outbox, as notifications are in notifications: the event commits
the row; on commit a task is queued; the task claims the row (an UPDATE only one worker can
win), makes one HTTP attempt and writes it to the log with the next attempt's time. The
schedule lives in the row, never in the broker: no task waits hours in the queue (the Redis
broker would hand unacknowledged copies out again after its visibility timeout). Every
minute `sweep_webhooks` (Celery beat) queues one task per due delivery; the
`redeliver_webhooks` command attempts them in its own process. A broker outage or a worker
restart between attempts loses none.

A task carries the due time it was queued for, and claims the row only while it is still
due at that time: however many copies of a task exist, one attempt is made per due time.

Never log a secret, a token, a code or a signature here; ids are enough.
"""

import logging
from datetime import datetime
from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps_services import crypto
from partner_center.celery import publish

from . import signing, webhooks
from .models import Authorization, WebhookDelivery

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200
EXPIRY_BATCH = 1000


def queue_webhook(delivery_id: int) -> None:
    """Called on commit. A broker outage must not undo the event: the sweep sends it."""
    if not publish(deliver_webhook, delivery_id):
        logger.info("Could not queue webhook delivery %s; the sweep will send it.", delivery_id)


def attempt(delivery_id: int, *, due: datetime | None = None) -> WebhookDelivery | None:
    """Claim the delivery and make one attempt. None when it was not due or not ours (or,
    with `due`, no longer due at that time: that attempt was made already)."""
    claimed_at = WebhookDelivery.claim(delivery_id, due=due)
    if claimed_at is None:
        return None
    delivery = WebhookDelivery.objects.select_related("app").get(pk=delivery_id)
    app = delivery.app
    body = delivery.body.encode()
    # Signed with the current secret (decrypted here, never stored or logged in the clear).
    signature = signing.webhook_signature(
        app_key=app.app_key, secret=crypto.decrypt(app.secret_encrypted), body=body
    )
    # Counted while the claim is held: no other worker logs an attempt meanwhile.
    number = delivery.next_attempt_number()
    if app.webhook_url:
        outcome = webhooks.post(
            app.webhook_url,
            body=body,
            signature=signature,
            event_id=delivery.notification_id,
            attempt=number,
        )
    else:
        outcome = webhooks.Outcome(url="", ok=False, error="The app has no webhook URL.")
    delivery.record_attempt(claimed_at=claimed_at, outcome=outcome, number=number)
    delivery.refresh_from_db()
    logger.info(
        "Webhook delivery %s for app %s: attempt %s %s (%s).",
        delivery.pk,
        app.pk,
        number,
        "succeeded" if outcome.ok else "failed",
        outcome.status_code or outcome.error,
    )
    return delivery


@shared_task(name="apps_services.deliver_webhook")
def deliver_webhook(delivery_id: int, due: str | None = None) -> str | None:
    """One attempt now, if the delivery is (still) due at `due` (ISO time; None: whenever it
    is due). A failure only writes the next attempt's time on the row; the sweep queues it
    then. Safe to run twice or concurrently."""
    try:
        delivery = attempt(delivery_id, due=datetime.fromisoformat(due) if due else None)
    except WebhookDelivery.DoesNotExist:
        return None
    return delivery.state if delivery else None


def _due_deliveries() -> list[tuple[int, datetime]]:
    rows = WebhookDelivery.objects.claimable().order_by("next_attempt_at")
    return list(rows.values_list("pk", "next_attempt_at")[:SWEEP_BATCH])


def sweep() -> int:
    """Attempt every due delivery once, here; return how many attempts were made."""
    made = 0
    for delivery_id, due in _due_deliveries():
        try:
            made += attempt(delivery_id, due=due) is not None
        except Exception:
            logger.exception("Webhook delivery %s failed unexpectedly; will retry.", delivery_id)
    return made


def fan_out() -> int:
    """Queue one task per due delivery, so the posts (up to WEBHOOK_TIMEOUT_SECONDS each) run
    side by side on the workers, not one after another in the sweep. Returns how many were
    queued; what cannot be queued (broker down) is attempted here."""
    queued = 0
    for delivery_id, due in _due_deliveries():
        if publish(deliver_webhook, delivery_id, due.isoformat()):
            queued += 1
            continue
        try:
            attempt(delivery_id, due=due)
        except Exception:
            logger.exception("Webhook delivery %s failed unexpectedly; will retry.", delivery_id)
    return queued


@shared_task(name="apps_services.sweep_webhooks")
def sweep_webhooks() -> int:
    """Celery beat, every minute: queue the due deliveries (retries included)."""
    return fan_out()


def notify_expiring() -> int:
    """Queue one type 7 webhook per authorization ending within 30 days, once a day."""
    today = timezone.now().date()
    queued = 0
    candidates = (
        Authorization.objects.expiring_soon()
        .exclude(expiry_notified_on=today)
        .select_related("app")
        .order_by("expires_at")
    )
    for authorization in candidates[:EXPIRY_BATCH]:
        with transaction.atomic():
            # Claim today's notice for this row, so two runs the same day send one.
            claimed = (
                Authorization.objects.filter(pk=authorization.pk)
                .exclude(expiry_notified_on=today)
                .update(expiry_notified_on=today)
            )
            if not claimed:
                continue
            delivery = WebhookDelivery.enqueue(
                app=authorization.app,
                event_type=WebhookDelivery.EventType.UPCOMING_AUTHORIZATION_EXPIRATION,
                shop_id=authorization.shop_id,
                data={
                    "message": "The authorization of this shop expires soon. Ask the seller "
                    "to authorize the app again to keep access.",
                    "expiration_time": int(authorization.expires_at.timestamp()),
                },
            )
            if delivery is not None:
                transaction.on_commit(partial(queue_webhook, delivery.pk))
                queued += 1
    return queued


@shared_task(name="apps_services.notify_expiring_authorizations")
def notify_expiring_authorizations() -> int:
    """Celery beat, daily: tell developers which authorizations end within 30 days."""
    return notify_expiring()


@shared_task(name="open_api.sweep_api_calls")
def sweep_api_calls() -> int:
    """Celery beat, hourly: delete API call log rows older than API_CALL_LOG_DAYS, in
    batches (also `manage.py sweep_api_calls`). Idempotent."""
    from .models import ApiCall

    deleted = ApiCall.objects.sweep()
    if deleted:
        logger.info("API call log: %s row(s) past retention deleted.", deleted)
    return deleted
