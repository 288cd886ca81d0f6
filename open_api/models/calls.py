"""The API call log (SPEC §4.8): one row per Open API request, written in bulk off the
request path (open_api/calllog.py) and kept CALL_LOG_DAYS days."""

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps_services.models import App

from ..endpoints import BY_KEY

THROTTLED = 429
SWEEP_BATCH = 10_000  # rows per DELETE: short statements, short locks
SWEEP_MAX_BATCHES = 100  # per run; the next run goes on


class ApiCallQuerySet(models.QuerySet):
    def errors(self):
        # A refusal can answer 200 only if someday an endpoint does; `code` says it anyway.
        return self.filter(Q(status__gte=400) | ~Q(code=0))

    def successes(self):
        return self.filter(status__lt=400, code=0)

    def expired(self, *, now: datetime | None = None):
        cutoff = (now or timezone.now()) - timedelta(days=settings.API_CALL_LOG_DAYS)
        return self.filter(at__lt=cutoff)

    def sweep(self, *, now: datetime | None = None) -> int:
        """Delete the rows older than API_CALL_LOG_DAYS, SWEEP_BATCH at a time; return how
        many went. Idempotent: a second run finds nothing left to delete."""
        deleted = 0
        for _round in range(SWEEP_MAX_BATCHES):
            batch = self.expired(now=now).order_by().values("pk")[:SWEEP_BATCH]
            # Nothing points at a call row: one DELETE … WHERE id IN (SELECT … LIMIT n).
            count, _by_model = self.model.objects.filter(pk__in=batch).delete()
            deleted += count
            if count < SWEEP_BATCH:
                break
        return deleted

    def per_day(self, *, days: int, today: date) -> list[dict]:
        """Calls and errors per UTC day, the last `days` days up to `today`, empty days
        included, in one query."""
        first = today - timedelta(days=days - 1)
        rows = (
            self.filter(at__gte=datetime.combine(first, time.min, tzinfo=UTC))
            .annotate(day=TruncDate("at", tzinfo=UTC))
            .values("day")
            .annotate(
                calls=Count("pk"),
                errors=Count("pk", filter=Q(status__gte=400) | ~Q(code=0)),
            )
            .order_by("day")
        )
        found = {row["day"]: row for row in rows}
        return [
            {
                "day": day,
                "calls": found.get(day, {}).get("calls", 0),
                "errors": found.get(day, {}).get("errors", 0),
            }
            for day in (first + timedelta(days=offset) for offset in range(days))
        ]


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

    objects = ApiCallQuerySet.as_manager()

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
        return self.status == THROTTLED

    @property
    def endpoint_label(self) -> str:
        """The endpoint as documented, or what was asked where there is none (a 404)."""
        endpoint = BY_KEY.get(self.endpoint)
        return endpoint.label if endpoint else f"{self.method} {self.path}"

    @property
    def failed(self) -> bool:
        return self.status >= 400 or self.code != 0
