"""The webhook outbox (SPEC §4.8): one row per event for an app's Webhook URL, and the log
of every HTTP attempt. The tables keep the names they had in apps_services."""

import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps_services.models import App


class WebhookDeliveryQuerySet(models.QuerySet["WebhookDelivery"]):
    def claimable(self):
        """Pending, due, and not held by a live worker (a claim older than
        WEBHOOK_CLAIM_STALE_SECONDS belongs to a worker that died mid-send)."""
        now = timezone.now()
        stale = now - timedelta(seconds=settings.WEBHOOK_CLAIM_STALE_SECONDS)
        return self.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now).filter(
            models.Q(claimed_at=None) | models.Q(claimed_at__lt=stale)
        )


class WebhookDelivery(models.Model):
    """One event for one app's Webhook URL. The body is serialized once, at creation, so
    every attempt and every redelivery sends (and signs) the very same bytes."""

    class EventType(models.IntegerChoices):
        SELLER_DEAUTHORIZATION = 6, _("Seller deauthorization")
        UPCOMING_AUTHORIZATION_EXPIRATION = 7, _("Upcoming authorization expiration")
        # The portal's own topic (TikTok Shop has no number for it): a seller authorized
        # the app, or renewed its authorization.
        AUTHORIZATION_GRANTED = 101, _("Authorization granted")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        GIVEN_UP = "given_up", _("Given up")

    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="webhook_deliveries")
    event_type = models.PositiveSmallIntegerField(choices=EventType.choices)
    notification_id = models.CharField(max_length=40, unique=True)
    shop_id = models.CharField(max_length=32)
    body = models.TextField()
    is_test = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Failed attempts in the current round of the retry schedule.")
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        db_table = "apps_services_webhookdelivery"
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="apps_webhook_outbox",
            ),
            models.Index(fields=["app", "-created_at"], name="apps_webhook_log"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} {self.notification_id}"

    @classmethod
    def enqueue(
        cls, *, app: App, event_type: int, shop_id: str, data: dict, is_test: bool = False
    ) -> "WebhookDelivery | None":
        """Write the event for `app` to the outbox. None when the app has no Webhook URL
        (there is nobody to tell) or is not subscribed to the topic (they asked not to be
        told); a test event is sent whatever the subscriptions. The caller queues the
        delivery on commit (`services.queue_on_commit`); a row nobody queued is sent by the
        minute's sweep."""
        if not app.webhook_url:
            return None
        if not is_test and not WebhookSubscription.objects.subscribed(app, event_type):
            return None
        notification_id = f"{secrets.randbelow(10**18):018d}{secrets.randbelow(10):d}"
        payload = {
            "type": int(event_type),
            "tts_notification_id": notification_id,
            "shop_id": shop_id,
            "timestamp": int(timezone.now().timestamp()),
            "data": data,
        }
        delivery = cls.objects.create(
            app=app,
            event_type=event_type,
            notification_id=notification_id,
            shop_id=shop_id,
            body=json.dumps(payload, separators=(",", ":")),
            is_test=is_test,
            next_attempt_at=timezone.now(),
        )
        return delivery

    @classmethod
    def claim(cls, pk: int, *, due=None):
        """Take a due delivery for one attempt; the claim time is returned as the proof of
        ownership that `record_attempt` checks, or None when another worker holds it.

        With `due` (the attempt time a task was queued for), only that attempt is claimed:
        a late copy of the task finds the time moved on and does nothing."""
        now = timezone.now()
        rows = cls.objects.claimable().filter(pk=pk)
        if due is not None:
            rows = rows.filter(next_attempt_at=due)
        return now if rows.update(claimed_at=now) else None

    def record_attempt(self, *, claimed_at, outcome, number: int | None = None) -> None:
        """Log the attempt (`number`: the one its POST carried) and move the delivery along
        the retry schedule."""
        delays = settings.WEBHOOK_RETRY_DELAYS
        now = timezone.now()
        with transaction.atomic():
            WebhookAttempt.objects.create(
                delivery=self,
                number=number or self.next_attempt_number(),
                at=now,
                url=outcome.url[:500],
                status_code=outcome.status_code,
                latency_ms=outcome.latency_ms,
                response_excerpt=outcome.excerpt[:500],
                error=outcome.error[:255],
                succeeded=outcome.ok,
            )
            owned = WebhookDelivery.objects.filter(pk=self.pk, claimed_at=claimed_at)
            if outcome.ok:
                owned.update(
                    state=self.State.SUCCEEDED, delivered_at=now, claimed_at=None,
                    next_attempt_at=None,
                )  # fmt: skip
                return
            failures = self.attempts + 1
            if failures > len(delays):
                owned.update(
                    state=self.State.GIVEN_UP, attempts=failures, claimed_at=None,
                    next_attempt_at=None,
                )  # fmt: skip
            else:
                owned.update(
                    attempts=failures,
                    claimed_at=None,
                    next_attempt_at=now + timedelta(seconds=delays[failures - 1]),
                )

    def next_attempt_number(self) -> int:
        """The number the next POST of this event carries (X-Delivery-Attempt): it counts
        every POST of the event, redeliveries included, so it only ever grows."""
        return self.attempt_log.count() + 1

    def redeliver(self) -> None:
        """Start the retry schedule again, now (the developer's "Redeliver"). The caller
        queues the attempt on commit."""
        WebhookDelivery.objects.filter(pk=self.pk).update(
            state=self.State.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
        )

    def status_badge(self) -> str:
        badges: dict[str, str] = {
            self.State.PENDING: "badge-warn",
            self.State.SUCCEEDED: "badge-ok",
            self.State.GIVEN_UP: "badge-err",
        }
        return badges[self.state]


class WebhookAttempt(models.Model):
    """The delivery log the developer reads: one row per HTTP attempt."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    url = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=255, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery", "number"]
        db_table = "apps_services_webhookattempt"
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"


# What each topic means and when it fires, for the topics page (the OpenAPI document has
# its own English copy: open_api/openapi.py).
TOPIC_HELP = {
    WebhookDelivery.EventType.SELLER_DEAUTHORIZATION: _(
        "A shop's authorization of the app ended: the seller revoked it, you deauthorized the "
        "shop, or the app was deactivated. Sent at once; the shop's tokens no longer work."
    ),
    WebhookDelivery.EventType.UPCOMING_AUTHORIZATION_EXPIRATION: _(
        "A shop's authorization ends within 30 days. Sent once a day until the seller "
        "authorizes the app again or the authorization expires."
    ),
    WebhookDelivery.EventType.AUTHORIZATION_GRANTED: _(
        "A seller authorized the app for a shop, or renewed its authorization. Sent once per "
        "consent; exchange the auth code your Redirect URL received for tokens."
    ),
}


class WebhookSubscriptionQuerySet(models.QuerySet["WebhookSubscription"]):
    def subscribed(self, app: App, event_type: int) -> bool:
        return self.filter(app=app, event_type=event_type).exists()

    def topics_of(self, app: App) -> set[int]:
        return set(self.filter(app=app).values_list("event_type", flat=True))


class WebhookSubscription(models.Model):
    """One topic (event type) an app's Webhook URL receives. Only subscribed topics are
    written to the outbox (`WebhookDelivery.enqueue`); a new app is subscribed to every
    topic (apps_services.services.create_app)."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    event_type = models.PositiveSmallIntegerField(
        _("topic"), choices=WebhookDelivery.EventType.choices
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["app", "event_type"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["app", "event_type"], name="open_api_webhook_subscription_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.app_id}: {self.get_event_type_display()}"
