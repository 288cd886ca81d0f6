"""What an app may reach through the Open API (SPEC §4.8): the scope catalog, and the scopes
each app asks sellers for.

A scope is catalog data, kept in admin: its name and description (what the consent page
shows a seller), the endpoints it covers (keys of open_api/endpoints.py) and whether it is
restricted. An app chooses its scopes; a restricted one is requested with a reason and
counts only once staff approve it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from apps_services.models import App


class ScopeQuerySet(models.QuerySet["Scope"]):
    def covering(self, endpoint_key: str):
        """The scopes whose endpoints include `endpoint_key`."""
        return self.filter(endpoints__contains=[endpoint_key])


class Scope(models.Model):
    key = models.CharField(
        _("scope"),
        max_length=64,
        primary_key=True,
        help_text=_("As the token answer's granted_scopes spells it, e.g. seller.shop.info."),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(
        _("description"), max_length=255, help_text=_("What the consent page tells the seller.")
    )
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("An app gets a restricted scope only after staff approve its request."),
    )
    endpoints = models.JSONField(
        _("endpoints"),
        default=list,
        blank=True,
        help_text=_("The Open API endpoints this scope covers (their operation ids)."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ScopeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("scope")
        verbose_name_plural = _("scopes")

    def __str__(self) -> str:
        return self.key


class AppScope(ConcurrentTransitionMixin, models.Model):
    """One scope an app asks for. An unrestricted scope is granted as soon as it is chosen;
    a restricted one waits for staff (requested → granted | rejected)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        GRANTED = "granted", _("Granted")
        REJECTED = "rejected", _("Rejected")

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="scopes")
    scope = models.ForeignKey(Scope, on_delete=models.PROTECT, related_name="app_scopes")
    state = FSMField(
        _("state"), max_length=10, choices=State.choices, default=State.GRANTED, protected=True
    )
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why the app needs this restricted scope.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["app", "scope__position", "scope"]
        verbose_name = _("app scope")
        verbose_name_plural = _("app scopes")
        constraints = [
            models.UniqueConstraint(fields=["app", "scope"], name="open_api_appscope_unique"),
            models.CheckConstraint(
                condition=models.Q(state__in=["requested", "granted", "rejected"]),
                name="open_api_appscope_state_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["requested_at"],
                condition=models.Q(state="requested"),
                name="open_api_scope_requests",
            )
        ]
        permissions = [("decide_scope", "Can approve or reject restricted scope requests")]

    def __str__(self) -> str:
        return f"{self.app_id}: {self.scope_id} ({self.state})"
