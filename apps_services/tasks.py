"""Background work for the Open API: webhook delivery and expiry notices (SPEC §4.9).

`WebhookDelivery` rows are the outbox, as notifications are in onboarding: the event commits
the row; on commit a task is queued; the task claims the row (an UPDATE only one worker can
win), makes one HTTP attempt and writes it to the log with the next attempt's time. The
schedule lives in the row, not in the broker: `sweep_webhooks` (Celery beat, every minute, or
the `redeliver_webhooks` command) sends whatever is due, so a broker outage or a worker
restart between attempts loses none.

Never log a secret, a token, a code or a signature here; ids are enough.
"""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import crypto, signing, webhooks
from .models import Authorization, WebhookDelivery

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200
EXPIRY_BATCH = 1000


def queue_webhook(delivery_id: int) -> None:
    """Called on commit. A broker outage must not undo the event: the sweep sends it."""
    try:
        deliver_webhook.delay(delivery_id)
    except Exception:
        logger.warning(
            "Could not queue webhook delivery %s; the sweep will send it.",
            delivery_id,
            exc_info=True,
        )


def attempt(delivery_id: int) -> WebhookDelivery | None:
    """Claim the delivery and make one attempt. None when it was not due or not ours."""
    claimed_at = WebhookDelivery.claim(delivery_id)
    if claimed_at is None:
        return None
    delivery = WebhookDelivery.objects.select_related("app").get(pk=delivery_id)
    app = delivery.app
    body = delivery.body.encode()
    # Signed with the current secret (decrypted here, never stored or logged in the clear).
    signature = signing.webhook_signature(
        app_key=app.app_key, secret=crypto.decrypt(app.secret_encrypted), body=body
    )
    if app.webhook_url:
        outcome = webhooks.post(app.webhook_url, body=body, signature=signature)
    else:
        outcome = webhooks.Outcome(url="", ok=False, error="The app has no webhook URL.")
    delivery.record_attempt(claimed_at=claimed_at, outcome=outcome)
    delivery.refresh_from_db()
    logger.info(
        "Webhook delivery %s for app %s: attempt %s %s (%s).",
        delivery.pk,
        app.pk,
        delivery.attempt_log.count(),
        "succeeded" if outcome.ok else "failed",
        outcome.status_code or outcome.error,
    )
    return delivery


@shared_task(name="apps_services.deliver_webhook", bind=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str | None:
    """One attempt now; on failure the task retries itself when the schedule says. The row
    holds the schedule, so if this retry is lost (restart, broker), the sweep still sends."""
    try:
        delivery = attempt(delivery_id)
    except WebhookDelivery.DoesNotExist:
        return None
    if delivery is None:
        return None
    if (
        delivery.state == WebhookDelivery.State.PENDING
        and delivery.next_attempt_at
        and not self.request.is_eager
    ):
        countdown = max(0, (delivery.next_attempt_at - timezone.now()).total_seconds())
        raise self.retry(countdown=countdown)
    return delivery.state


def sweep() -> int:
    """Attempt every due delivery once; return how many attempts were made."""
    made = 0
    ids = list(
        WebhookDelivery.objects.claimable().order_by("next_attempt_at").values_list("pk", flat=True)
    )
    for delivery_id in ids[:SWEEP_BATCH]:
        try:
            made += attempt(delivery_id) is not None
        except Exception:
            logger.exception("Webhook delivery %s failed unexpectedly; will retry.", delivery_id)
    return made


@shared_task(name="apps_services.sweep_webhooks")
def sweep_webhooks() -> int:
    """Celery beat, every minute: send the due deliveries the on-commit tasks did not."""
    return sweep()


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
            queued += delivery is not None
    return queued


@shared_task(name="apps_services.notify_expiring_authorizations")
def notify_expiring_authorizations() -> int:
    """Celery beat, daily: tell developers which authorizations end within 30 days."""
    return notify_expiring()
