"""The API call log (SPEC §4.8): one row per Open API request, written in bulk off the
request path (open_api/calllog.py) and kept CALL_LOG_DAYS days."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps_services.models import App


class ApiCall(models.Model):
    id = models.BigAutoField(primary_key=True)
    request_id = models.CharField(_("request id"), max_length=64)
    # The app the call named (app_key), if it is one; a row outlives nothing it points at:
    # the sweep removes it within days, so no constraint holds back the bulk insert.
    app = models.ForeignKey(
        App,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    endpoint = models.CharField(_("endpoint"), max_length=64, blank=True)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=200)
    shop_cipher = models.CharField(_("shop cipher"), max_length=64, blank=True)
    shop_id = models.CharField(_("shop id"), max_length=32, blank=True)
    status = models.PositiveSmallIntegerField(_("HTTP status"))
    code = models.BigIntegerField(_("error code"), default=0)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        indexes = [
            models.Index(fields=["app", "-at"], name="open_api_calls_by_app"),
            models.Index(fields=["request_id"], name="open_api_calls_by_request"),
            models.Index(fields=["at"], name="open_api_calls_by_time"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.method} {self.path} {self.status}"

    @property
    def throttled(self) -> bool:
        return self.status == 429
