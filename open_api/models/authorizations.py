"""Seller authorization and the Open API (SPEC §4.7-4.9): authorizations, auth codes and
tokens. The tables keep the names they had in apps_services."""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps_services import credentials
from apps_services.models import App
from sellers.models import SellerType

from .webhooks import WebhookDelivery

# --- Seller authorization and the Open API (SPEC §4.7-4.9) ---------------------------------
# Protocol facts (TikTok Shop's public Open API), not knobs: a developer's integration
# relies on them.

AUTHORIZATION_VALIDITY = timedelta(days=365)
AUTH_CODE_TTL = timedelta(minutes=30)
ACCESS_TOKEN_TTL = timedelta(days=7)
EXPIRY_NOTICE_WINDOW = timedelta(days=30)


def digest(value: str) -> str:
    """Codes and tokens are stored as this hash only: a database leak hands out nothing."""
    return hashlib.sha256(value.encode()).hexdigest()


class AuthorizationQuerySet(models.QuerySet["Authorization"]):
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

    # The type 6 webhook row `end()` wrote, for its caller to queue: None when the app has
    # no Webhook URL.
    end_notice: "WebhookDelivery | None" = None

    class Meta:
        ordering = ["-authorized_at", "-pk"]
        db_table = "apps_services_authorization"
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
        had already ended. The webhook row is left in `end_notice` for the caller to queue.
        """
        now = timezone.now()
        ended = Authorization.objects.filter(pk=self.pk, revoked_at=None).update(
            revoked_at=now, ended_by=ended_by
        )
        if not ended:
            return False
        self.revoked_at, self.ended_by = now, ended_by
        # The shop leaves the answer of every token of this seller, revoked or not.
        credentials.changed([self.app.app_key])
        AccessToken.objects.filter(authorization=self).revoke()
        RefreshToken.objects.filter(authorization=self).revoke()
        messages: dict[str, str] = {
            self.EndedBy.SELLER: "The seller revoked the authorization of this app.",
            self.EndedBy.DEVELOPER: "The developer deauthorized this shop.",
            self.EndedBy.APP_DEACTIVATED: "The app was deactivated.",
        }
        message = messages[ended_by]
        self.end_notice = WebhookDelivery.enqueue(
            app=self.app,
            event_type=WebhookDelivery.EventType.SELLER_DEAUTHORIZATION,
            shop_id=self.shop_id,
            data={"message": message},
        )
        return True


@dataclass(frozen=True)
class GrantedAuthorization:
    """What a token answer shows of its authorization, when the row itself was not loaded."""

    pk: int
    expires_at: datetime
    open_id: str
    seller_name: str
    seller_base_region: str
    granted_scopes: list[str]


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
        db_table = "apps_services_authcode"
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
        live = self.filter(revoked_at=None)
        # The API's processes cache what a token may do (open_api/access.py): drop it.
        credentials.changed(
            App.objects.filter(pk__in=live.values("app_id")).values_list("app_key", flat=True)
        )
        return live.update(revoked_at=timezone.now())


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
        return cls.objects.select_related("authorization").filter(token_hash=digest(token)).first()


class AccessToken(IssuedToken):
    PREFIX = "ROW_"
    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="access_tokens")

    class Meta:
        db_table = "apps_services_accesstoken"
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")


class RefreshToken(IssuedToken):
    PREFIX = "RFT_"
    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="refresh_tokens")
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "apps_services_refreshtoken"
        verbose_name = _("refresh token")
        verbose_name_plural = _("refresh tokens")

    # PostgreSQL: rotate the refresh token and issue its successors in one statement (one
    # round trip, atomic as any statement), when the token is usable; otherwise no row, and
    # the caller finds out why the slow way.
    ROTATE_AND_ISSUE = """
        WITH rotated AS (
            UPDATE {refresh} AS r SET rotated_at = %(now)s
            FROM {authorization} AS a
            WHERE r.token_hash = %(token_hash)s AND r.app_id = %(app_id)s
              AND r.rotated_at IS NULL AND r.revoked_at IS NULL AND r.expires_at > %(now)s
              AND a.id = r.authorization_id AND a.revoked_at IS NULL AND a.expires_at > %(now)s
            RETURNING r.authorization_id, r.auth_code_id, a.expires_at AS authorization_expires_at,
                a.open_id, a.seller_name, a.seller_base_region, a.granted_scopes
        ), access AS (
            INSERT INTO {access} (app_id, authorization_id, auth_code_id, token_hash, created_at,
                expires_at)
            SELECT %(app_id)s, authorization_id, auth_code_id, %(access_hash)s, %(now)s,
                %(access_expires_at)s
            FROM rotated
        ), successor AS (
            INSERT INTO {refresh} (app_id, authorization_id, auth_code_id, token_hash, created_at,
                expires_at)
            SELECT %(app_id)s, authorization_id, auth_code_id, %(refresh_hash)s, %(now)s,
                authorization_expires_at
            FROM rotated
        )
        SELECT authorization_id, authorization_expires_at, open_id, seller_name,
            seller_base_region, granted_scopes, {commit}
        FROM rotated
    """
    # Evaluated in the statement's own transaction, so it applies to that commit only.
    ASYNCHRONOUS_COMMIT = "set_config('synchronous_commit', 'off', true)"

    @classmethod
    def rotate_and_issue(cls, *, app_id: int, token: str, access_ttl: timedelta):
        """On PostgreSQL, in one statement: use `token` up and issue a new access token and
        refresh token. Returns (access token, its expiry, refresh token, what the answer shows
        of the authorization), or None when the token is not usable (the
        caller then says why) or the database is not PostgreSQL."""
        if connection.vendor != "postgresql" or not token:
            return None
        now = timezone.now()
        access = f"{AccessToken.PREFIX}{secrets.token_urlsafe(32)}"
        refresh = f"{cls.PREFIX}{secrets.token_urlsafe(32)}"
        sql = cls.ROTATE_AND_ISSUE.format(
            refresh=connection.ops.quote_name(cls._meta.db_table),
            access=connection.ops.quote_name(AccessToken._meta.db_table),
            authorization=connection.ops.quote_name(Authorization._meta.db_table),
            # settings.OPEN_API_REFRESH_SYNCHRONOUS_COMMIT says why.
            commit="NULL"
            if settings.OPEN_API_REFRESH_SYNCHRONOUS_COMMIT
            else cls.ASYNCHRONOUS_COMMIT,
        )
        params: dict[str, Any] = {
            "now": now,
            "token_hash": digest(token),
            "app_id": app_id,
            "access_hash": digest(access),
            "refresh_hash": digest(refresh),
            "access_expires_at": now + access_ttl,
        }
        # A server-side prepared statement: PostgreSQL plans this query once per connection,
        # not on every refresh. A failure marks the connection for closing at the end of the
        # request (wrap_database_errors), as a failed ORM query does.
        with connection.wrap_database_errors:
            connection.ensure_connection()
            with psycopg.Cursor(connection.connection) as cursor:
                cursor.execute(sql, params, prepare=True)
                row = cursor.fetchone()
        if row is None:
            return None
        authorization_id, expires_at, open_id, seller_name, region, scopes, _commit = row
        authorization = GrantedAuthorization(
            pk=authorization_id,
            expires_at=expires_at,
            open_id=open_id,
            seller_name=seller_name,
            seller_base_region=region,
            granted_scopes=json.loads(scopes) if isinstance(scopes, str) else scopes,
        )
        return access, now + access_ttl, refresh, authorization

    def rotate(self) -> bool:
        """Use this refresh token up; one UPDATE decides, so two refreshes cannot both win."""
        return bool(
            RefreshToken.objects.filter(pk=self.pk, rotated_at=None, revoked_at=None).update(
                rotated_at=timezone.now()
            )
        )


# --- Webhooks (SPEC §4.9): an outbox, like onboarding.Notification --------------------------
