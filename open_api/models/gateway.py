"""What the Open API checks before a call runs (SPEC §4.8): rate limits per endpoint and
the IP allow-list of each app."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps_services.models import App

from .. import endpoints

DEFAULT_PER_SECOND = 50


class RateLimitQuerySet(models.QuerySet):
    def app_keys(self) -> list[str]:
        """The keys of the apps whose calls these rows govern (a row without an app governs
        every app): what a change to them must pass to `credentials.changed`."""
        if self.filter(app=None).exists():
            return list(App.objects.values_list("app_key", flat=True))
        return list(App.objects.filter(rate_limits__in=self).values_list("app_key", flat=True))


class RateLimit(models.Model):
    """Requests per second per app and shop on one endpoint. A row without an app is the
    endpoint's rate for every app; a row with an app overrides it for that app. Without
    any row, DEFAULT_PER_SECOND (TikTok Shop's default)."""

    endpoint = models.CharField(_("endpoint"), max_length=64)
    app = models.ForeignKey(
        App,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rate_limits",
        help_text=_("Leave empty for every app."),
    )
    per_second = models.PositiveIntegerField(_("requests per second"), default=DEFAULT_PER_SECOND)

    objects = RateLimitQuerySet.as_manager()

    class Meta:
        ordering = ["endpoint", "app"]
        verbose_name = _("rate limit")
        verbose_name_plural = _("rate limits")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "app"], name="open_api_ratelimit_unique_per_app"
            ),
            models.UniqueConstraint(
                fields=["endpoint"],
                condition=models.Q(app=None),
                name="open_api_ratelimit_unique_default",
            ),
            models.CheckConstraint(
                condition=models.Q(per_second__gte=1), name="open_api_ratelimit_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.per_second}/s"

    def clean(self) -> None:
        if self.endpoint not in endpoints.BY_KEY:
            raise ValidationError({"endpoint": _("Choose one of the Open API's endpoints.")})


def parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An address or CIDR range (IPv4 or IPv6) as a network; ValueError when it is neither.
    Host bits set in a range are refused rather than silently cleared."""
    return ipaddress.ip_network((value or "").strip(), strict=True)


class AllowedNetwork(models.Model):
    """One address or range the app's Open API calls may come from. An app without any
    row may call from anywhere."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="allowed_networks")
    network = models.CharField(
        _("address or range"),
        max_length=49,
        help_text=_("An IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24."),
    )
    note = models.CharField(_("note"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["app", "created_at", "pk"]
        verbose_name = _("allowed address")
        verbose_name_plural = _("allowed addresses")
        constraints = [
            models.UniqueConstraint(fields=["app", "network"], name="open_api_network_unique"),
        ]

    def __str__(self) -> str:
        return self.network

    def clean(self) -> None:
        try:
            self.network = str(parse_network(self.network))
        except ValueError as exc:
            raise ValidationError({"network": _("Enter an IP address or a CIDR range.")}) from exc
