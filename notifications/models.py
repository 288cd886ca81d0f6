"""SPEC §3.13: the in-app notifications, and the outbox their emails are sent from.

This app sits beside the domains and imports none of them: a domain announces an event with
`notifications.services.announce(...)` and registers how its kinds read (see `registry`).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import registry


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self):
        return self.filter(read_at=None)

    def claimable(self):
        """Not emailed yet, and not claimed by a worker that is still alive.

        A claim older than NOTIFICATION_CLAIM_STALE_SECONDS belongs to a worker that died
        mid-send; the next sweep may take it over.
        """
        stale = timezone.now() - timedelta(seconds=settings.NOTIFICATION_CLAIM_STALE_SECONDS)
        return self.filter(email_sent_at=None).filter(Q(claimed_at=None) | Q(claimed_at__lt=stale))


class Notification(models.Model):
    """An in-app notification, and the outbox row for its email (SPEC §3.13).

    It is written in the same transaction as the event it announces; the email is sent by
    `tasks.deliver_notification`, which claims the row first so it is sent once.
    """

    # The kinds stored in the column. What each one says is its domain's business: the
    # domain registers a renderer for it (see `registry`).
    class Kind(models.TextChoices):
        APPLICATION_APPROVED = "application_approved", _("Application approved")
        APPLICATION_REJECTED = "application_rejected", _("Application not approved")
        QUESTIONNAIRE = "compliance_questionnaire", _("Due-diligence questionnaire")
        COMPLIANCE_REQUIRED = "compliance_required", _("Compliance review required")
        SECURITY_APPROVED = "security_review_approved", _("Security review approved")
        SECURITY_REJECTED = "security_review_rejected", _("Security review not approved")
        ACCOUNT_BLACKLISTED = "account_blacklisted", _("Account blacklisted")
        APPEAL_UPHELD = "appeal_upheld", _("Appeal decided: blacklist upheld")
        APPEAL_LIFTED = "appeal_lifted", _("Appeal decided: blacklist lifted")
        SCOPE_APPROVED = "scope_approved", _("Restricted scope approved")
        SCOPE_REJECTED = "scope_rejected", _("Restricted scope not approved")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What the message says, as data: the kind's renderer writes it in the reader's
    # language each time it is shown or emailed.
    params = models.JSONField(default=dict, blank=True)
    # The text as first written, in the recipient's language then: what support searches,
    # and what older rows (written before `params`) show.
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        # The table (and its indexes) were made when notifications lived in onboarding.
        db_table = "onboarding_notification"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(email_sent_at=None),
                name="onboarding_notif_outbox",
            ),
            models.Index(fields=["user", "read_at"], name="onboarding_notif_unread"),
            models.Index(fields=["user", "-created_at"], name="onboarding_notif_list"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def renderer(self) -> registry.Renderer:
        return registry.renderer_for(self.kind)

    @property
    def display_title(self) -> str:
        return self._text()[0]

    @property
    def display_body(self) -> str:
        return self._text()[1]

    @property
    def link_label(self) -> str:
        """What following the notification's link opens."""
        return self.renderer.link_label(self)

    def _text(self) -> tuple[str, str]:
        """(title, body) in the active language, rendered once per language.

        Rows written before notifications kept their params show the text they were written
        with."""
        cache = self.__dict__.setdefault("_text_cache", {})
        language = translation.get_language()
        if language not in cache:
            text = self.renderer.text(self) if self.params else (self.title, self.body)
            cache[language] = text
        return cache[language]

    @classmethod
    def compose(cls, *, user, kind: str, params: dict, url: str = "") -> dict:
        """Fields for `announce`: the message as data, plus its text in the recipient's
        language today (what support searches, and what the row says should its kind ever
        go away)."""
        row = cls(user=user, kind=kind, params=params, url=url)
        with translation.override(user.preferred_language):
            title, body = row.renderer.text(row)
        return {
            "user": user,
            "kind": kind,
            "params": params,
            "title": title,
            "body": body,
            "url": url,
        }

    @classmethod
    def claim(cls, pk: int) -> bool:
        """Take the row for sending; False when it was sent or another worker holds it."""
        return bool(
            cls.objects.claimable()
            .filter(pk=pk)
            .update(claimed_at=timezone.now(), attempts=models.F("attempts") + 1)
        )

    def mark_sent(self) -> None:
        Notification.objects.filter(pk=self.pk).update(email_sent_at=timezone.now())

    def release(self) -> None:
        """Sending failed: let the retry or the next sweep claim it again at once."""
        Notification.objects.filter(pk=self.pk, email_sent_at=None).update(claimed_at=None)
