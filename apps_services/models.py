import hmac
import secrets
import string
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from onboarding.models import Application
from onboarding.uploads import DocumentField
from reviews.models import guarded
from sellers.directory import get_directory
from sellers.models import SellerType

from . import credentials, crypto
from .addresses import address_refusal, callback_url_error, local_http_allowed
from .tasks import queue_webhook

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class SellerBinding(models.Model):
    """SPEC §4.6: a partner verified as a TikTok Shop seller developer.

    Both sides are unique: a partner binds one seller account, and a seller account binds one
    Partner Center account. The database enforces the second, so two partners binding the
    same seller at the same moment cannot both win.
    """

    partner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="seller_binding",
        verbose_name=_("partner"),
    )
    # The id Seller Center gives the account (through sellers.directory), not a local FK:
    # Seller Center is an external system.
    seller_account_id = models.CharField(_("seller account id"), max_length=64, unique=True)
    own_shop_id = models.CharField(_("own shop id"), max_length=32, blank=True)
    # As Seller Center named the shop at verification: the profile shows it without a call.
    own_shop_name = models.CharField(_("own shop name"), max_length=120, blank=True)
    own_shop_market = models.CharField(_("own shop market"), max_length=2, blank=True)
    verified_at = models.DateTimeField(_("verified at"), default=timezone.now)

    class Meta:
        verbose_name = _("seller developer verification")
        verbose_name_plural = _("seller developer verifications")

    def __str__(self) -> str:
        return f"{self.partner} = seller {self.seller_account_id}"

    def own_shop(self):
        """The own shop as Seller Center knows it now (name, market), None if it has none."""
        if not self.own_shop_id:
            return None
        shops = get_directory().list_shops(self.seller_account_id)
        return next((shop for shop in shops if shop.shop_id == self.own_shop_id), None)


# --- Apps and services (SPEC §4.1-4.5) -----------------------------------------------------

REVIEW_PERMISSION = "apps_services.review_app"
SECRET_LENGTH_BYTES = 20  # 40 hex characters, like TikTok Shop's app secrets
APP_KEY_LENGTH = 14
APP_KEY_ALPHABET = string.ascii_lowercase + string.digits


class AppDeactivated(Exception):
    """SPEC §4.5: a deactivated app can never change again, let alone be online."""

    def __init__(self):
        super().__init__(
            _("This app is deactivated. A deactivated app cannot be edited or published again.")
        )


class AppCannotBeDeleted(Exception):
    """SPEC §4.5: apps are never deleted, only deactivated."""

    def __init__(self):
        super().__init__(_("Apps can never be deleted. Deactivate the app instead."))


class AppType(models.TextChoices):
    CUSTOM = "custom", _("Custom")
    PUBLIC = "public", _("Public")


class AppState(models.TextChoices):
    DRAFT = "draft", _("Not published")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    DEACTIVATED = "deactivated", _("Deactivated")


def is_owner(instance, user) -> bool:
    """The app's partner account, or a member acting for it (SPEC §8.1); the member's role
    is checked by the service before it gets here."""
    return bool(user and getattr(user, "holder", user).pk == instance.owner_id)


def can_review(instance, user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(REVIEW_PERMISSION))


def is_owner_or_reviewer(instance, user) -> bool:
    return is_owner(instance, user) or can_review(instance, user)


def is_custom(instance) -> bool:
    return instance.app_type == AppType.CUSTOM


def is_public(instance) -> bool:
    return instance.app_type == AppType.PUBLIC


def is_publishable(instance) -> bool:
    return instance.publish_refusal() is None


class AppQuerySet(models.QuerySet["App"]):
    def owned_by(self, user):
        return self.filter(owner=user)

    def awaiting_review(self):
        return self.filter(state=AppState.IN_REVIEW)

    def delete(self):
        raise AppCannotBeDeleted()

    # Keeps delete() off the manager, as on QuerySet.delete; stubs cannot type a function attribute.
    delete.queryset_only = True  # type: ignore[attr-defined]

    def update(self, **kwargs):
        # Bulk updates skip save(); they skip deactivated apps too. (Transitions and save()
        # use the lower-level _update and are guarded in save().)
        rows = self.exclude(state=AppState.DEACTIVATED)
        credentials.changed(rows.values_list("app_key", flat=True))
        return super(AppQuerySet, rows).update(**kwargs)


class App(ConcurrentTransitionMixin, models.Model):
    """An app or service a developer builds on the Open API (SPEC §4.1-4.5).

    The app key and service id are public; the app secret is stored encrypted
    (`crypto.py`) and reaches a page only through the owner's explicit reveal. Apps are never
    deleted: deactivation is final.
    """

    EDITABLE_FIELDS = (
        "name",
        "logo",
        "seller_type",
        "api_enabled",
        "redirect_url",
        "webhook_url",
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="apps",
        verbose_name=_("developer"),
    )
    app_type = models.CharField(_("type"), max_length=8, choices=AppType.choices)
    category = models.ForeignKey(
        "categories.ServiceCategory",
        on_delete=models.PROTECT,
        related_name="apps",
        verbose_name=_("service category"),
    )
    name = models.CharField(_("default name"), max_length=60)
    logo = DocumentField(_("logo"), blank=True)
    market = models.ForeignKey(
        "categories.Market", on_delete=models.PROTECT, related_name="+", verbose_name=_("market")
    )
    seller_type = models.CharField(_("seller type"), max_length=16, choices=SellerType.choices)
    api_enabled = models.BooleanField(_("enable API"), default=False)
    redirect_url = models.URLField(
        _("redirect URL"),
        max_length=500,
        blank=True,
        help_text=_("Where sellers are sent with the auth code after they authorize the app."),
    )
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        blank=True,
        help_text=_("Optional: where push notifications are sent."),
    )
    app_key = models.CharField(_("app key"), max_length=16, unique=True, editable=False)
    service_id = models.CharField(_("service id"), max_length=19, unique=True, editable=False)
    # Fernet tokens, never the secret itself (SPEC §4.4).
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    state = FSMField(
        _("status"),
        default=AppState.DRAFT,
        choices=AppState.choices,
        protected=True,
        db_index=True,
    )
    review_note = models.TextField(_("review note"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    deactivated_at = models.DateTimeField(
        _("deactivated at"), null=True, blank=True, editable=False
    )

    objects = AppQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("app")
        verbose_name_plural = _("apps")
        indexes = [models.Index(fields=["owner", "-created_at"], name="apps_app_owner_recent")]
        permissions = [("review_app", _("Can approve or reject public apps in app review"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Against the house rule of no logic in save(): SPEC §4.5 must hold for every writer,
        # the shell and the admin included, and save() is the one door they all use. The
        # database is asked, not this instance, so a copy loaded before deactivation cannot
        # bring the app back either.
        if self.pk and App.objects.filter(pk=self.pk, state=AppState.DEACTIVATED).exists():
            raise AppDeactivated()
        super().save(*args, **kwargs)
        # The Open API's processes hold the app's credentials (credentials.py): reload them.
        credentials.changed([self.app_key])

    def get_absolute_url(self) -> str:
        return reverse("apps_services:app-detail", kwargs={"pk": self.pk})

    def delete(self, *args, **kwargs):
        raise AppCannotBeDeleted()

    # --- identifiers and the secret --------------------------------------------------------

    @staticmethod
    def new_app_key() -> str:
        return "".join(secrets.choice(APP_KEY_ALPHABET) for _i in range(APP_KEY_LENGTH))

    @staticmethod
    def new_service_id() -> str:
        # 19 digits, like TikTok Shop's service ids: a 7 and 18 random digits.
        return f"7{secrets.randbelow(10**18):018d}"

    def issue_credentials(self) -> None:
        """Give a new (unsaved) app its key, service id and first secret."""
        self.app_key = self.new_app_key()
        self.service_id = self.new_service_id()
        self.secret_encrypted = crypto.encrypt(secrets.token_hex(SECRET_LENGTH_BYTES))

    def reveal_secret(self) -> str:
        """The current secret in the clear. Only `services.reveal_app_secret` calls this,
        because a reveal must leave an audit row."""
        return crypto.decrypt(self.secret_encrypted)

    def valid_secrets(self) -> list[str]:
        """The secrets a signature may be made with: the current one, and the previous one
        until its grace period ends."""
        valid = [crypto.decrypt(self.secret_encrypted)]
        if (
            self.previous_secret_encrypted
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > timezone.now()
        ):
            valid.append(crypto.decrypt(self.previous_secret_encrypted))
        return valid

    def secret_matches(self, candidate: str) -> bool:
        candidate_bytes = (candidate or "").encode()
        # Compare against every valid secret, so the time taken does not tell which matched.
        results = [hmac.compare_digest(candidate_bytes, s.encode()) for s in self.valid_secrets()]
        return any(results)

    def rotate_secret(self, *, by) -> None:
        """Issue a new secret; the old one keeps verifying for APP_SECRET_ROTATION_GRACE_HOURS
        so integrations can switch without downtime. Only one previous secret is kept: a
        second rotation within the grace period ends the first one's early."""
        self._refuse_if_deactivated()
        now = timezone.now()
        self.previous_secret_encrypted = self.secret_encrypted
        self.previous_secret_expires_at = now + timedelta(
            hours=settings.APP_SECRET_ROTATION_GRACE_HOURS
        )
        self.secret_encrypted = crypto.encrypt(secrets.token_hex(SECRET_LENGTH_BYTES))
        self.secret_rotated_at = now

    # --- rules -------------------------------------------------------------------------------

    def check_rules(self, *, allow_local_http: bool | None = None) -> None:
        """SPEC §4.2-4.3, for every entry point: raise ValidationError keyed by field."""
        if allow_local_http is None:
            allow_local_http = local_http_allowed()
        errors: dict[str, StrOrPromise] = {}
        if self.category_id:
            category = self.category
            if not category.role.is_developer:
                errors["category"] = _("Apps are built in developer categories only.")
            elif self.owner_id:
                applied_markets = list(
                    Application.objects.for_developers()
                    .filter(user=self.owner)
                    .filter(category=category)
                    .values_list("market_id", flat=True)
                )
                if not applied_markets:
                    errors["category"] = _(
                        "You have not applied for this category. Apply for it first from "
                        "Business guide > Start Business."
                    )
                elif self.market_id and self.market_id not in applied_markets:
                    errors["market"] = _(
                        "You applied for this category in other markets; choose one of them."
                    )
            if (
                "category" not in errors
                and self.app_type == AppType.PUBLIC
                and not category.role.publishes_public_apps
            ):
                errors["app_type"] = _(
                    "Public apps are for app developers (ISV) only. Seller in-house developers "
                    "can create custom apps, authorized by their own shop."
                )
        if self.api_enabled and not self.redirect_url:
            errors["redirect_url"] = _("Enter the redirect URL: it is required when the API is on.")
        for field in ("redirect_url", "webhook_url"):
            value = getattr(self, field)
            if value and field not in errors:
                problem = callback_url_error(value, allow_local_http=allow_local_http)
                if problem:
                    errors[field] = problem
        if self.webhook_url and "webhook_url" not in errors:
            # SPEC §4.9: no server-side request forgery; checked again at every delivery.
            problem = address_refusal(self.webhook_url, at_save=True)
            if problem:
                errors["webhook_url"] = problem
        if errors:
            raise ValidationError(errors)

    def clean(self):
        self.check_rules()

    def developer_application(self):
        """The application to finish when publishing is refused: an approved one first."""
        return (
            Application.objects.for_developers()
            .filter(user=self.owner_id)
            .order_by(models.F("approved_at").desc(nulls_last=True), "-created_at")
            .first()
        )

    def publish_refusal(self) -> str | None:
        """Why Publish is refused right now, in words the partner can act on; None if not."""
        if self.state == AppState.DEACTIVATED:
            return str(AppDeactivated().args[0])
        if self.state == AppState.PUBLISHED:
            return str(_("This app is already published."))
        if self.state == AppState.IN_REVIEW:
            return str(_("This app is in app review; you will be notified of the decision."))
        if self.category.discontinued:
            return str(_("This service category is discontinued: apps in it cannot go online."))
        if not Application.objects.for_developers().approved().filter(user=self.owner_id).exists():
            return str(
                _(
                    "Your developer certification is not approved yet. Complete and submit "
                    "your developer application; you can publish once it is approved."
                )
            )
        if self.api_enabled and not self.redirect_url:
            return str(_("Enter the redirect URL before publishing."))
        return None

    # --- transitions -------------------------------------------------------------------------
    # A transition body only sets fields; `guarded` checks its permission once. The service
    # that saves the app records the audit row and runs the effects
    # (`reviews.services.transition`, through `history_entry` and `effects_after`).

    @guarded
    @transition(
        field=state,
        source=AppState.DRAFT,
        target=AppState.PUBLISHED,
        conditions=[is_custom, is_publishable],
        permission=is_owner,
        custom={"label": _("Publish")},
    )
    def publish(self, *, by):
        """A custom app goes online at once once the developer is certified (SPEC §4.4)."""
        self.published_at = timezone.now()

    @guarded
    @transition(
        field=state,
        source=AppState.DRAFT,
        target=AppState.IN_REVIEW,
        conditions=[is_public, is_publishable],
        permission=is_owner,
        custom={"label": _("Submit for app review")},
    )
    def submit_for_review(self, *, by):
        self.review_note = ""

    @guarded
    @transition(
        field=state,
        source=AppState.IN_REVIEW,
        target=AppState.PUBLISHED,
        permission=can_review,
        custom={"label": _("Approve and publish")},
    )
    def approve_review(self, *, by):
        self.published_at = timezone.now()

    @guarded
    @transition(
        field=state,
        source=AppState.IN_REVIEW,
        target=AppState.DRAFT,
        permission=can_review,
        custom={"label": _("Reject")},
    )
    def reject_review(self, *, by, reason: str):
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("A rejection needs a reason the developer can act on.")
        self.review_note = reason

    @guarded
    @transition(
        field=state,
        source=[AppState.DRAFT, AppState.IN_REVIEW, AppState.PUBLISHED],
        target=AppState.DEACTIVATED,
        permission=is_owner_or_reviewer,
        custom={"label": _("Deactivate")},
    )
    def deactivate(self, *, by):
        """Final (SPEC §4.5): the app goes offline for good and its authorizations end."""
        self.deactivated_at = timezone.now()

    def _end_authorizations(self) -> list[int]:
        """Revoke every access and refresh token of this app and end its seller
        authorizations, each announced to the developer with a type 6 webhook. Runs in the
        deactivation's transaction, so every path that deactivates an app revokes them.
        Reached through open_api's reverse relations: the Open API builds on apps. Returns
        the webhook deliveries written, to queue once the deactivation commits."""
        deliveries = []
        for authorization in self.authorizations.filter(revoked_at=None):
            ended = authorization.end(ended_by=authorization.EndedBy.APP_DEACTIVATED)
            # No row when the app has no Webhook URL: nobody to tell.
            if ended and authorization.end_notice is not None:
                deliveries.append(authorization.end_notice.pk)
        self.access_tokens.revoke()
        self.refresh_tokens.revoke()
        return deliveries

    # --- bookkeeping: what `reviews.services.transition` asks ----------------------------------

    TRANSITION_EVENTS = {
        "publish": "published",
        "submit_for_review": "submitted",
        "approve_review": "review_approved",
        "reject_review": "review_rejected",
        "deactivate": "deactivated",
    }

    def history_entry(self, *, by, name: str, source: str, reason=None) -> "AppEvent":
        """The (unsaved) audit row of transition `name`, just taken from `source`."""
        note = self.review_note if name == "reject_review" else ""
        return AppEvent(
            app=self,
            by=by,
            kind=self.TRANSITION_EVENTS[name],
            source=source,
            target=self.state,
            note=note if reason is None else reason,
        )

    def effects_after(self, name: str, *, by) -> tuple:
        """Written with the transition; the webhooks announcing ended authorizations are
        queued once it commits (the sweep sends any the broker does not take)."""
        if name == "deactivate":
            return tuple(partial(queue_webhook, pk) for pk in self._end_authorizations())
        return ()

    def record_edit(self, *, by, fields) -> None:
        self._refuse_if_deactivated()
        AppEvent.objects.create(
            app=self, by=by, kind=AppEvent.Kind.EDITED, note=", ".join(sorted(fields))
        )

    def record_reveal(self, *, by, ip: str | None) -> None:
        AppEvent.objects.create(app=self, by=by, kind=AppEvent.Kind.SECRET_REVEALED, ip=ip)

    def record_creation(self, *, by) -> None:
        AppEvent.objects.create(
            app=self,
            by=by,
            kind=AppEvent.Kind.CREATED,
            source=AppState.DRAFT,
            target=AppState.DRAFT,
        )

    def record_rotation(self, *, by) -> None:
        until = cast(datetime, self.previous_secret_expires_at)  # set by rotate_secret()
        AppEvent.objects.create(
            app=self,
            by=by,
            kind=AppEvent.Kind.SECRET_ROTATED,
            note=_("The previous secret stays valid until %(until)s UTC.")
            % {"until": until.strftime("%Y-%m-%d %H:%M")},
        )

    def _refuse_if_deactivated(self) -> None:
        if self.state == AppState.DEACTIVATED:
            raise AppDeactivated()

    # --- for pages -----------------------------------------------------------------------------

    @property
    def is_deactivated(self) -> bool:
        return self.state == AppState.DEACTIVATED

    def authorization_path(self) -> str:
        """The seller authorization link (SPEC §4.7)."""
        return f"/open/authorize?service_id={self.service_id}"

    @property
    def is_seller_developer_app(self) -> bool:
        """A custom app of a seller in-house developer: only their own shop may authorize."""
        return self.app_type == AppType.CUSTOM and self.category.role.builds_for_own_shop

    def status_badge(self) -> str:
        return {
            AppState.DRAFT: "",
            AppState.IN_REVIEW: "badge-warn",
            AppState.PUBLISHED: "badge-ok",
            AppState.DEACTIVATED: "badge-err",
        }[self.state]


class AppEvent(models.Model):
    """The audit trail of an app: transitions, edits, secret reveals and rotations."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        PUBLISHED = "published", _("Published")
        SUBMITTED = "submitted", _("Submitted for app review")
        REVIEW_APPROVED = "review_approved", _("App review approved")
        REVIEW_REJECTED = "review_rejected", _("App review rejected")
        DEACTIVATED = "deactivated", _("Deactivated")
        SECRET_REVEALED = "secret_revealed", _("App secret revealed")
        SECRET_ROTATED = "secret_rotated", _("App secret rotated")

    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="events")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=AppState.choices, blank=True)
    target = models.CharField(max_length=16, choices=AppState.choices, blank=True)
    note = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("app history entry")
        indexes = [models.Index(fields=["app", "at"], name="apps_appevent_history")]
        verbose_name_plural = _("app history")

    def __str__(self) -> str:
        return f"{self.app_id}: {self.get_kind_display()}"
