import hashlib
import hmac
import json
import secrets
import string
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from onboarding.models import Application
from onboarding.uploads import DocumentField
from reviews.models import guarded
from sellers.directory import get_directory
from sellers.models import SellerType

from . import crypto


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
LOCAL_HOSTS = {"localhost", "127.0.0.1"}


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


def local_http_allowed() -> bool:
    """http://localhost callbacks are for development only (SPEC §4.3)."""
    return bool(settings.DEBUG or settings.ALLOW_HTTP_LOCALHOST_REDIRECTS)


def callback_url_error(url: str, *, allow_local_http: bool) -> str | None:
    """Why `url` cannot receive auth codes or webhooks, or None when it can."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return _("Enter a valid URL.")
    if parts.scheme not in ("https", "http") or not hostname:
        return _("Enter a full URL starting with https://.")
    if parts.username or parts.password:
        return _("The URL must not contain a user name or password.")
    if parts.fragment:
        return _("The URL must not contain a fragment (#…).")
    if parts.scheme == "http":
        if hostname in LOCAL_HOSTS and allow_local_http:
            return None
        if hostname in LOCAL_HOSTS:
            return _("http://localhost URLs are accepted in development only. Use https://.")
        return _("The URL must use https://.")
    return None


def is_owner(instance, user) -> bool:
    return bool(user and user.pk == instance.owner_id)


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


class AppQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def awaiting_review(self):
        return self.filter(state=AppState.IN_REVIEW)

    def delete(self):
        raise AppCannotBeDeleted()

    delete.queryset_only = True

    def update(self, **kwargs):
        # Bulk updates skip save(); they skip deactivated apps too. (Transitions and save()
        # use the lower-level _update and are guarded in save().)
        return super(AppQuerySet, self.exclude(state=AppState.DEACTIVATED)).update(**kwargs)


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
        errors: dict[str, str] = {}
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
            from .webhooks import address_refusal

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

    def _end_authorizations(self) -> None:
        """Revoke every access and refresh token of this app and end its seller
        authorizations, each announced to the developer with a type 6 webhook. Runs in the
        deactivation's transaction, so every path that deactivates an app revokes them."""
        for authorization in self.authorizations.filter(revoked_at=None):
            authorization.end(ended_by=Authorization.EndedBy.APP_DEACTIVATED)
        AccessToken.objects.filter(app=self).revoke()
        RefreshToken.objects.filter(app=self).revoke()

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
        """Written with the transition; nothing waits for the commit."""
        if name == "deactivate":
            self._end_authorizations()
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
        AppEvent.objects.create(
            app=self,
            by=by,
            kind=AppEvent.Kind.SECRET_ROTATED,
            note=_("The previous secret stays valid until %(until)s UTC.")
            % {"until": self.previous_secret_expires_at.strftime("%Y-%m-%d %H:%M")},
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

    def authorization_refusal(self) -> str | None:
        """Why sellers cannot authorize this app right now (SPEC §4.7, §2.3, §3.14), in words
        a seller understands; None when they can."""
        if self.state == AppState.DEACTIVATED:
            return str(_("This app has been deactivated and can no longer be authorized."))
        if self.state != AppState.PUBLISHED:
            return str(_("This app is not published yet, so it cannot be authorized."))
        if self.category.discontinued:
            return str(
                _("This app's service category is discontinued: new authorizations are closed.")
            )
        if self.owner.is_blacklisted:
            return str(_("This app's developer cannot receive new authorizations."))
        if not self.api_enabled or not self.redirect_url:
            return str(_("This app does not use the Open API, so there is nothing to authorize."))
        return None

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


# --- Seller authorization and the Open API (SPEC §4.7-4.9) ---------------------------------
# Protocol facts (TikTok Shop's public Open API), not knobs: a developer's integration
# relies on them.

AUTHORIZATION_VALIDITY = timedelta(days=365)
AUTH_CODE_TTL = timedelta(minutes=30)
ACCESS_TOKEN_TTL = timedelta(days=7)
EXPIRY_NOTICE_WINDOW = timedelta(days=30)

# What an authorized app may access. Every app asks for all of them for now; the consent page
# lists them and the token API reports them as granted_scopes.
SCOPES = {
    "seller.authorization.info": _("See which of your shops authorized this app"),
    "seller.shop.info": _("Read your shops' names, regions and seller types"),
    "seller.order.info": _("Read your orders and their fulfilment status"),
    "seller.product.basic": _("Read and update your products and inventory"),
}


def digest(value: str) -> str:
    """Codes and tokens are stored as this hash only: a database leak hands out nothing."""
    return hashlib.sha256(value.encode()).hexdigest()


class AuthorizationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at=None, expires_at__gt=timezone.now())

    def expiring_soon(self):
        """Active, and ending within EXPIRY_NOTICE_WINDOW (daily type 7 webhooks)."""
        return self.active().filter(expires_at__lte=timezone.now() + EXPIRY_NOTICE_WINDOW)

    def of_seller(self, seller_account_id: str):
        return self.filter(seller_account_id=str(seller_account_id))


class Authorization(models.Model):
    """A shop's consent to one app (SPEC §4.7). One row per (app, shop): authorizing again
    renews it. The shop and seller details are copied from Seller Center at consent time,
    because the API answers with them and Seller Center is an external system."""

    class EndedBy(models.TextChoices):
        SELLER = "seller", _("Revoked by the seller")
        DEVELOPER = "developer", _("Deauthorized by the developer")
        APP_DEACTIVATED = "app_deactivated", _("App deactivated")

    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="authorizations")
    seller_account_id = models.CharField(_("seller account id"), max_length=64, db_index=True)
    seller_name = models.CharField(_("seller name"), max_length=120)
    seller_base_region = models.CharField(_("seller base region"), max_length=2)
    shop_id = models.CharField(_("shop id"), max_length=32)
    shop_name = models.CharField(_("shop name"), max_length=120)
    shop_region = models.CharField(_("shop region"), max_length=2)
    shop_cipher = models.CharField(_("shop cipher"), max_length=64)
    seller_type = models.CharField(_("seller type"), max_length=12)  # LOCAL | CROSS_BORDER
    # Stable per (app, seller): the same seller gets the same open_id for every shop and
    # every re-authorization, and a different one in every other app.
    open_id = models.CharField(_("open id"), max_length=64)
    granted_scopes = models.JSONField(_("granted scopes"), default=list)
    authorized_at = models.DateTimeField(_("authorized at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.CharField(_("ended by"), max_length=16, choices=EndedBy.choices, blank=True)
    # The day the last type 7 (upcoming expiration) webhook was queued: one a day at most.
    expiry_notified_on = models.DateField(null=True, blank=True, editable=False)

    objects = AuthorizationQuerySet.as_manager()

    class Meta:
        ordering = ["-authorized_at", "-pk"]
        verbose_name = _("seller authorization")
        verbose_name_plural = _("seller authorizations")
        constraints = [
            models.UniqueConstraint(fields=["app", "shop_id"], name="apps_authorization_app_shop"),
        ]
        # The "Authorized shops" tab: active first, newest first.
        indexes = [
            models.Index(
                fields=["app", "revoked_at", "-authorized_at"], name="apps_authorization_list"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop_name} → {self.app}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def shop_code(self) -> str:
        # Seller Center's short shop code; derived, so it never changes for a shop.
        return f"{self.shop_region}{digest(self.shop_id)[:8]}".upper()

    def seller_type_label(self) -> str:
        """The shop's seller type in the reader's language: Seller Center stores it in the
        Open API's spelling (LOCAL / CROSS_BORDER), which is no word to show a person."""
        try:
            return str(SellerType.from_shop_value(self.seller_type).shop_label)
        except ValueError:
            return self.seller_type

    def status_label(self) -> str:
        if self.revoked_at:
            return self.get_ended_by_display() or str(_("Ended"))
        if self.expires_at <= timezone.now():
            return str(_("Expired"))
        return str(_("Active"))

    def end(self, *, ended_by: str) -> bool:
        """End this authorization: revoke its tokens and tell the developer (type 6 webhook).

        Claims the row with a conditional UPDATE, so two ends at once (seller and developer)
        revoke once and send one webhook. Call inside a transaction. Returns False when it
        had already ended.
        """
        now = timezone.now()
        ended = Authorization.objects.filter(pk=self.pk, revoked_at=None).update(
            revoked_at=now, ended_by=ended_by
        )
        if not ended:
            return False
        self.revoked_at, self.ended_by = now, ended_by
        AccessToken.objects.filter(authorization=self).revoke()
        RefreshToken.objects.filter(authorization=self).revoke()
        message = {
            self.EndedBy.SELLER: "The seller revoked the authorization of this app.",
            self.EndedBy.DEVELOPER: "The developer deauthorized this shop.",
            self.EndedBy.APP_DEACTIVATED: "The app was deactivated.",
        }[ended_by]
        WebhookDelivery.enqueue(
            app=self.app,
            event_type=WebhookDelivery.EventType.SELLER_DEAUTHORIZATION,
            shop_id=self.shop_id,
            data={"message": message},
        )
        return True


class AuthCode(models.Model):
    """SPEC §4.7-4.8: single use, 30 minutes, bound to the app. Only a hash is stored."""

    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="+")
    authorization = models.ForeignKey(
        Authorization, on_delete=models.CASCADE, related_name="auth_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("auth code")
        verbose_name_plural = _("auth codes")

    def __str__(self) -> str:
        return f"auth code {self.pk} for {self.authorization_id}"

    @classmethod
    def issue(cls, *, authorization: Authorization) -> str:
        """A new code for `authorization`; the clear value is returned once, never stored."""
        code = secrets.token_urlsafe(32)
        cls.objects.create(
            app_id=authorization.app_id,
            authorization=authorization,
            code_hash=digest(code),
            expires_at=timezone.now() + AUTH_CODE_TTL,
        )
        return code

    def claim(self) -> bool:
        """Mark the code used. One UPDATE decides: of two exchanges at once, one wins."""
        return bool(
            AuthCode.objects.filter(pk=self.pk, used_at=None).update(used_at=timezone.now())
        )


class TokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at=None, expires_at__gt=timezone.now())

    def revoke(self) -> int:
        return self.filter(revoked_at=None).update(revoked_at=timezone.now())


class IssuedToken(models.Model):
    """An access or refresh token, stored as a hash. `auth_code` names the code the token
    chain started from, refreshes included, so replaying that code revokes the whole chain."""

    PREFIX = ""

    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="+")
    authorization = models.ForeignKey(Authorization, on_delete=models.CASCADE, related_name="+")
    auth_code = models.ForeignKey(AuthCode, on_delete=models.SET_NULL, null=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} for {self.authorization_id}"

    @classmethod
    def issue(cls, *, authorization: Authorization, auth_code_id, expires_at):
        token = f"{cls.PREFIX}{secrets.token_urlsafe(32)}"
        row = cls.objects.create(
            app_id=authorization.app_id,
            authorization=authorization,
            auth_code_id=auth_code_id,
            token_hash=digest(token),
            expires_at=expires_at,
        )
        return token, row

    @classmethod
    def find(cls, token: str):
        """The row `token` stands for (select_related for the API), or None."""
        if not token:
            return None
        return (
            cls.objects.select_related("authorization", "app")
            .filter(token_hash=digest(token))
            .first()
        )


class AccessToken(IssuedToken):
    PREFIX = "ROW_"

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")


class RefreshToken(IssuedToken):
    PREFIX = "RFT_"
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refresh token")
        verbose_name_plural = _("refresh tokens")

    def rotate(self) -> bool:
        """Use this refresh token up; one UPDATE decides, so two refreshes cannot both win."""
        return bool(
            RefreshToken.objects.filter(pk=self.pk, rotated_at=None, revoked_at=None).update(
                rotated_at=timezone.now()
            )
        )


# --- Webhooks (SPEC §4.9): an outbox, like notifications.Notification --------------------------


class WebhookDeliveryQuerySet(models.QuerySet):
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
        """Write the event for `app` and queue its delivery once the transaction commits.
        None when the app has no Webhook URL: there is nobody to tell."""
        from .tasks import queue_webhook

        if not app.webhook_url:
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
        transaction.on_commit(partial(queue_webhook, delivery.pk))
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

    def record_attempt(self, *, claimed_at, outcome) -> None:
        """Log the attempt and move the delivery along the retry schedule."""
        delays = settings.WEBHOOK_RETRY_DELAYS
        now = timezone.now()
        with transaction.atomic():
            WebhookAttempt.objects.create(
                delivery=self,
                number=self.attempt_log.count() + 1,
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

    def redeliver(self) -> None:
        """Start the retry schedule again, now (the developer's "Redeliver")."""
        from .tasks import queue_webhook

        WebhookDelivery.objects.filter(pk=self.pk).update(
            state=self.State.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
        )
        transaction.on_commit(partial(queue_webhook, self.pk))

    def status_badge(self) -> str:
        return {
            self.State.PENDING: "badge-warn",
            self.State.SUCCEEDED: "badge-ok",
            self.State.GIVEN_UP: "badge-err",
        }[self.state]


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
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
