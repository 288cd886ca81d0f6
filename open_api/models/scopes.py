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
from django.utils.translation import gettext_noop
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from apps_services.models import App
from reviews.models import guarded

# The shipped catalog: (key, name, description, restricted, endpoints). Staff edit the rows in
# admin afterwards; `ensure_catalog` only makes the missing ones (a flushed test database, a
# fresh install), so an edit is never undone. Migration 0004 wrote the same rows.
CATALOG: tuple[tuple[str, str, str, bool, list[str]], ...] = (
    (
        "seller.authorization.info",
        gettext_noop("Authorization information"),
        gettext_noop("See which of your shops authorized this app"),
        False,
        ["getAuthorizedShops", "deauthorizeShop"],
    ),
    (
        "seller.shop.info",
        gettext_noop("Shop information"),
        gettext_noop("Read your shops' names, regions and seller types"),
        False,
        [],
    ),
    (
        "seller.order.info",
        gettext_noop("Order information"),
        gettext_noop(
            "Read your orders, their buyers' delivery details and their fulfilment status"
        ),
        True,
        [],
    ),
    (
        "seller.product.basic",
        gettext_noop("Product basics"),
        gettext_noop("Read and update your products and inventory"),
        False,
        [],
    ),
)
# What a new app holds: enough for the standard flow (consent, tokens, authorized shops).
DEFAULT_SCOPES = ("seller.authorization.info",)
DECIDE_PERMISSION = "open_api.decide_scope"


class ScopeQuerySet(models.QuerySet["Scope"]):
    def covering(self, endpoint_key: str):
        """The scopes whose endpoints include `endpoint_key`."""
        return self.filter(endpoints__contains=[endpoint_key])

    def ensure_catalog(self) -> int:
        """Make the shipped scopes that are missing; return how many were made."""
        have = set(self.values_list("key", flat=True))
        missing = [
            Scope(
                key=key,
                name=name,
                description=description,
                restricted=restricted,
                endpoints=endpoints,
                position=position,
            )
            for position, (key, name, description, restricted, endpoints) in enumerate(CATALOG)
            if key not in have
        ]
        self.bulk_create(missing, ignore_conflicts=True)
        return len(missing)

    def endpoint_map(self) -> dict[str, tuple[str, ...]]:
        """{endpoint key: the keys of the scopes covering it, in catalog order}."""
        covering: dict[str, list[str]] = {}
        for key, endpoints in self.order_by("position", "key").values_list("key", "endpoints"):
            for endpoint in endpoints or ():
                covering.setdefault(endpoint, []).append(key)
        return {endpoint: tuple(keys) for endpoint, keys in covering.items()}


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


class AppScopeQuerySet(models.QuerySet["AppScope"]):
    def granted(self):
        return self.filter(state=AppScope.State.GRANTED)

    def awaiting_decision(self):
        """The staff's queue: restricted requests, oldest first."""
        return self.filter(state=AppScope.State.REQUESTED).order_by("requested_at", "pk")

    def granted_keys(self, app_id: int) -> list[str]:
        """The keys of the scopes the app holds, in catalog order."""
        return list(
            self.granted()
            .filter(app_id=app_id)
            .order_by("scope__position", "scope__key")
            .values_list("scope_id", flat=True)
        )


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

    objects = AppScopeQuerySet.as_manager()

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

    @guarded
    @transition(
        field="state",
        source=State.REQUESTED,
        target=State.GRANTED,
        permission=DECIDE_PERMISSION,
        custom={"label": _("Approve")},
    )
    def approve(self, *, by, note: str = ""):
        """Staff grant the restricted scope: it counts from the next call on."""
        self._decide(by=by, note=note)

    @guarded
    @transition(
        field="state",
        source=State.REQUESTED,
        target=State.REJECTED,
        permission=DECIDE_PERMISSION,
        custom={"label": _("Reject")},
    )
    def reject(self, *, by, note: str = ""):
        """Staff refuse the request; the note tells the developer why."""
        self._decide(by=by, note=note)

    @transition(field="state", source=State.REJECTED, target=State.REQUESTED)
    def request_again(self, *, by, reason: str):
        """After a rejection the developer asks again, with a new reason."""
        self.reason = reason
        self.requested_by = by
        self.requested_at = timezone.now()
        self.decided_by = None
        self.decided_at = None
        self.decision_note = ""

    def _decide(self, *, by, note: str) -> None:
        self.decided_by = by
        self.decided_at = timezone.now()
        self.decision_note = note
