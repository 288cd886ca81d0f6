"""The Open API's services (SPEC §4.7-4.9): consent, tokens, deauthorization, webhooks.

Webhook rows are written by the models; the services that write them queue their delivery
once the transaction commits (`queue_on_commit`). Never log a secret, token, code or
signature: ids and error codes are enough to debug.
"""

import hmac
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from functools import partial
from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Module, ensure
from apps_services import credentials
from apps_services.credentials import Credentials
from apps_services.models import App, AppDeactivated, AppEvent, AppState, SellerBinding
from sellers.directory import get_directory

from . import access, tasks
from .access import Access
from .models import (
    ACCESS_TOKEN_TTL,
    AUTHORIZATION_VALIDITY,
    EXPIRY_NOTICE_WINDOW,
    AccessToken,
    AppScope,
    AuthCode,
    Authorization,
    GrantedAuthorization,
    RefreshToken,
    WebhookDelivery,
    WebhookSubscription,
    digest,
)

logger = logging.getLogger(__name__)


def queue_on_commit(delivery: WebhookDelivery | None) -> None:
    """Queue the delivery's first attempt once the transaction that wrote it commits."""
    if delivery is not None:
        transaction.on_commit(partial(tasks.queue_webhook, delivery.pk))


AUTHORIZATION_FAILED = _("Authorization failed")


class AuthorizationRefused(Exception):
    """The seller cannot authorize the app; the message is what the consent page shows."""


class ErrorCode(IntEnum):
    """The `code` of an Open API answer; 0 is success. Documented in the OpenAPI file."""

    OK = 0
    INVALID_PARAMETER = 36004001
    UNKNOWN_APP_KEY = 36004002
    WRONG_APP_SECRET = 36004003
    WRONG_GRANT_TYPE = 36004004
    INVALID_AUTH_CODE = 36004005
    AUTH_CODE_EXPIRED = 36004006
    AUTH_CODE_USED = 36004007
    INVALID_REFRESH_TOKEN = 36004008
    REFRESH_TOKEN_EXPIRED = 36004009
    REFRESH_TOKEN_REVOKED = 36004010
    APP_DEACTIVATED = 36004011
    AUTHORIZATION_ENDED = 36004012
    INVALID_SIGN = 36009001
    INVALID_TIMESTAMP = 36009002
    INVALID_ACCESS_TOKEN = 36009003
    ACCESS_TOKEN_EXPIRED = 36009004
    ACCESS_TOKEN_REVOKED = 36009005
    SHOP_NOT_AUTHORIZED = 36009006
    # The app calls from an address outside its IP allow-list.
    IP_NOT_ALLOWED = 36009007
    # The seller did not grant (or the app no longer holds) the endpoint's scope; TikTok
    # Shop's own code for it, which clients already handle.
    SCOPE_NOT_GRANTED = 105005
    NOT_FOUND = 36000404
    METHOD_NOT_ALLOWED = 36000405
    TOO_MANY_REQUESTS = 36000429
    INTERNAL_ERROR = 36000500


class ApiRefusal(Exception):
    """An Open API request that cannot succeed: a non-zero code and a message that says
    what the developer should do."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _authorization_ended() -> ApiRefusal:
    return ApiRefusal(
        ErrorCode.AUTHORIZATION_ENDED,
        "The seller's authorization has ended or expired. Ask the seller to authorize the "
        "app again.",
    )


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    authorization: Authorization | GrantedAuthorization


def app_refusal(app: App, *, sandbox: bool = False) -> str | None:
    """Why sellers cannot authorize `app` right now (SPEC §4.7, §2.3, §3.14), in words a
    seller understands; None when they can. `sandbox`: the seller is a test account of the
    app's developer, who may try an app before it is published (SPEC §9.1)."""
    if app.is_deactivated:
        return str(_("This app has been deactivated and can no longer be authorized."))
    if app.state != AppState.PUBLISHED and not sandbox:
        return str(_("This app is not published yet, so it cannot be authorized."))
    if app.category.discontinued:
        return str(_("This app's service category is discontinued: new authorizations are closed."))
    if app.owner.is_blacklisted:
        return str(_("This app's developer cannot receive new authorizations."))
    if not app.api_enabled or not app.redirect_url:
        return str(_("This app does not use the Open API, so there is nothing to authorize."))
    return None


def authorization_refusal(*, app: App, seller_account_id: str, shop_id: str | None) -> str | None:
    """Why this seller (and shop) may not authorize `app`, or None (SPEC §4.7).

    A custom app of a seller in-house developer may be authorized by that developer's own
    shop only: any other shop gets "Authorization failed". A developer's sandbox test
    account may authorize that developer's apps (published or not) and no one else's.
    """
    directory = get_directory()
    account = directory.get_account(seller_account_id)
    # A sandbox test account authorizes its developer's apps only (SPEC §9.1).
    sandbox = account is not None and account.test_owner_id == app.owner_id
    refusal = app_refusal(app, sandbox=sandbox)
    if refusal:
        return refusal
    if account is not None and account.is_test and not sandbox:
        return str(AUTHORIZATION_FAILED)
    if not directory.kyc_passed(seller_account_id):
        return str(_("Your Seller Center account has not passed KYC/KYB review yet."))
    shops = {shop.shop_id for shop in directory.list_shops(seller_account_id)}
    if app.is_seller_developer_app and not sandbox:
        binding = SellerBinding.objects.filter(partner_id=app.owner_id).first()
        shops &= {binding.own_shop_id} if binding and binding.own_shop_id else set()
    if not shops or (shop_id is not None and shop_id not in shops):
        return str(AUTHORIZATION_FAILED)
    return None


def authorize_app(
    *, app_id: int, seller_account_id: str, seller_name: str, seller_region: str, shop_id: str
) -> str:
    """The seller consents: create or renew the shop's authorization and return a fresh
    auth code for the redirect (SPEC §4.7). Raises AuthorizationRefused."""
    app = App.objects.select_related("category__role", "owner").get(pk=app_id)
    refusal = authorization_refusal(app=app, seller_account_id=seller_account_id, shop_id=shop_id)
    if refusal:
        raise AuthorizationRefused(refusal)
    shop = next(s for s in get_directory().list_shops(seller_account_id) if s.shop_id == shop_id)
    now = timezone.now()
    with transaction.atomic():
        open_id = (
            Authorization.objects.filter(app=app, seller_account_id=seller_account_id)
            .values_list("open_id", flat=True)
            .first()
        ) or secrets.token_urlsafe(24)
        authorization, _created = Authorization.objects.select_for_update().get_or_create(
            app=app,
            shop_id=shop.shop_id,
            defaults={"open_id": open_id, "expires_at": now + AUTHORIZATION_VALIDITY},
        )
        authorization.seller_account_id = seller_account_id
        authorization.seller_name = seller_name
        authorization.seller_base_region = seller_region
        authorization.shop_name = shop.name
        authorization.shop_region = shop.region
        authorization.shop_cipher = shop.cipher
        authorization.seller_type = shop.seller_type
        # What the consent page listed: the scopes the app holds now.
        authorization.granted_scopes = AppScope.objects.granted_keys(app.pk)
        authorization.authorized_at = now
        authorization.expires_at = now + AUTHORIZATION_VALIDITY
        authorization.revoked_at = None
        authorization.ended_by = ""
        authorization.expiry_notified_on = None
        authorization.save()
        code = AuthCode.issue(authorization=authorization)
        # The seller's other tokens now list this shop too (open_api/access.py).
        credentials.changed([app.app_key])
        queue_on_commit(_announce_grant(authorization))
    logger.info(
        "App %s authorized by shop %s (authorization %s).", app.pk, shop_id, authorization.pk
    )
    return code


def _announce_grant(authorization: Authorization) -> WebhookDelivery | None:
    """The type 101 webhook of one consent (the app's own topic): who the shop is, never a
    token or the code (those travel by the Redirect URL and the token API only)."""
    return WebhookDelivery.enqueue(
        app=authorization.app,
        event_type=WebhookDelivery.EventType.AUTHORIZATION_GRANTED,
        shop_id=authorization.shop_id,
        data={
            "message": "A seller authorized this app for the shop.",
            "open_id": authorization.open_id,
            "shop_name": authorization.shop_name,
            "shop_region": authorization.shop_region,
            "expiration_time": int(authorization.expires_at.timestamp()),
        },
    )


def authenticate_app(
    *, app_key: str, app_secret: str, generation: str | None = None
) -> Credentials:
    """The app whose key and secret these are; ApiRefusal otherwise. `generation`: the
    app's credentials generation, if the caller fetched it already."""
    if not app_key or not app_secret:
        raise ApiRefusal(
            ErrorCode.INVALID_PARAMETER, "app_key and app_secret are required query parameters."
        )
    app = credentials.lookup(app_key, generation=generation)
    if app is None:
        raise ApiRefusal(
            ErrorCode.UNKNOWN_APP_KEY,
            "Unknown app_key. Copy it from App & Service › your app › Credentials.",
        )
    candidate = app_secret.encode()
    # Compare against every valid secret, so the time taken does not tell which matched.
    results = [hmac.compare_digest(candidate, s.encode()) for s in app.valid_secrets()]
    if not any(results):
        raise ApiRefusal(
            ErrorCode.WRONG_APP_SECRET,
            "app_secret does not match this app_key. Reveal the current secret on the app "
            "page; after a rotation the previous one works only during the grace period.",
        )
    ensure_app_active(app)
    return app


def ensure_app_active(app: Credentials) -> None:
    if app.deactivated:
        raise ApiRefusal(
            ErrorCode.APP_DEACTIVATED,
            "This app is deactivated: its tokens are revoked and it cannot call the API.",
        )


def _issue_tokens(*, authorization: Authorization, auth_code_id) -> TokenGrant:
    now = timezone.now()
    access, access_row = AccessToken.issue(
        authorization=authorization, auth_code_id=auth_code_id, expires_at=now + ACCESS_TOKEN_TTL
    )
    refresh, refresh_row = RefreshToken.issue(
        authorization=authorization,
        auth_code_id=auth_code_id,
        expires_at=authorization.expires_at,
    )
    return TokenGrant(
        access_token=access,
        access_token_expires_at=access_row.expires_at,
        refresh_token=refresh,
        refresh_token_expires_at=refresh_row.expires_at,
        authorization=authorization,
    )


def _ensure_authorization_active(authorization: Authorization) -> None:
    if not authorization.is_active:
        raise _authorization_ended()


def exchange_auth_code(*, app: Credentials, auth_code: str) -> TokenGrant:
    """Auth code → access and refresh token (SPEC §4.8). The code is single use: of two
    exchanges at once exactly one wins, and presenting a used code again revokes every
    token issued from it (it may have leaked)."""
    row = (
        AuthCode.objects.select_related("authorization").filter(code_hash=digest(auth_code)).first()
        if auth_code
        else None
    )
    if row is None or row.app_id != app.app_id:
        raise ApiRefusal(
            ErrorCode.INVALID_AUTH_CODE,
            "auth_code is not valid for this app. Use the code your redirect URL received.",
        )
    if row.used_at is None and row.expires_at <= timezone.now():
        raise ApiRefusal(
            ErrorCode.AUTH_CODE_EXPIRED,
            "auth_code expired (codes last 30 minutes). Ask the seller to authorize again.",
        )
    grant = None
    if row.used_at is None:
        _ensure_authorization_active(row.authorization)
        with transaction.atomic():
            if row.claim():
                grant = _issue_tokens(authorization=row.authorization, auth_code_id=row.pk)
    if grant is None:
        with transaction.atomic():
            AccessToken.objects.filter(auth_code=row).revoke()
            RefreshToken.objects.filter(auth_code=row).revoke()
        logger.warning("Auth code %s was presented again; its tokens are revoked.", row.pk)
        raise ApiRefusal(
            ErrorCode.AUTH_CODE_USED,
            "auth_code was already used. Codes are single use; the tokens issued from it "
            "are now revoked. Ask the seller to authorize again.",
        )
    return grant


def refresh_access_token(*, app: Credentials, refresh_token: str) -> TokenGrant:
    """Refresh token → a new access token and a new refresh token; the old refresh token is
    used up (rotation). Access tokens issued before stay valid until they expire."""
    rotated = RefreshToken.rotate_and_issue(
        app_id=app.app_id, token=refresh_token, access_ttl=ACCESS_TOKEN_TTL
    )
    if rotated is not None:  # PostgreSQL, and the token was usable: done in one statement
        access_token, access_expires_at, new_refresh_token, authorization = rotated
        return TokenGrant(
            access_token=access_token,
            access_token_expires_at=access_expires_at,
            refresh_token=new_refresh_token,
            refresh_token_expires_at=authorization.expires_at,
            authorization=authorization,
        )
    row = RefreshToken.find(refresh_token)
    if row is None or row.app_id != app.app_id:
        raise ApiRefusal(
            ErrorCode.INVALID_REFRESH_TOKEN, "refresh_token is not valid for this app."
        )
    if row.revoked_at is not None:
        raise ApiRefusal(
            ErrorCode.REFRESH_TOKEN_REVOKED,
            "refresh_token was revoked. Ask the seller to authorize the app again.",
        )
    if row.rotated_at is not None:
        raise ApiRefusal(
            ErrorCode.INVALID_REFRESH_TOKEN,
            "refresh_token was already used: each refresh returns a new refresh_token; "
            "use the newest one.",
        )
    if row.expires_at <= timezone.now():
        raise ApiRefusal(
            ErrorCode.REFRESH_TOKEN_EXPIRED,
            "refresh_token expired. Ask the seller to authorize the app again.",
        )
    _ensure_authorization_active(row.authorization)
    with transaction.atomic():
        if not row.rotate():
            raise ApiRefusal(
                ErrorCode.INVALID_REFRESH_TOKEN,
                "refresh_token was already used: use the newest one.",
            )
        return _issue_tokens(authorization=row.authorization, auth_code_id=row.auth_code_id)


def authenticate_access_token(
    *, app: Credentials, access_token: str, generation: str, cached: Access | None = None
) -> Access:
    """What an access token (header x-tts-access-token) lets this call do. `cached`: the
    token's entry in the cache, if the caller fetched it (see access.py)."""
    found = (
        access.lookup(access_token, generation=generation, cached=cached) if access_token else None
    )
    if found is None or found.app_id != app.app_id:
        raise ApiRefusal(
            ErrorCode.INVALID_ACCESS_TOKEN,
            "x-tts-access-token is missing or not valid for this app_key.",
        )
    if found.revoked:
        raise ApiRefusal(
            ErrorCode.ACCESS_TOKEN_REVOKED,
            "The access token was revoked. Ask the seller to authorize the app again.",
        )
    now = time.time()
    if found.expires_at <= now:
        raise ApiRefusal(
            ErrorCode.ACCESS_TOKEN_EXPIRED,
            "The access token expired. Get a new one from /api/v2/token/refresh.",
        )
    if found.authorization_active_until <= now:
        raise _authorization_ended()
    return found


def end_authorization(*, authorization_id: int, ended_by: str) -> bool:
    """End one authorization: tokens revoked, a type 6 webhook to the developer. Returns
    False when it had already ended."""
    with transaction.atomic():
        authorization = Authorization.objects.select_related("app").get(pk=authorization_id)
        ended = authorization.end(ended_by=ended_by)
        queue_on_commit(authorization.end_notice)
    if ended:
        logger.info("Authorization %s ended (%s).", authorization_id, ended_by)
    return ended


def shop_authorization(*, app: Credentials, shop_cipher: str) -> Authorization:
    """The app's active authorization by the shop with this cipher; ApiRefusal otherwise."""
    authorization = (
        Authorization.objects.active().filter(app_id=app.app_id, shop_cipher=shop_cipher).first()
        if shop_cipher
        else None
    )
    if authorization is None:
        raise ApiRefusal(
            ErrorCode.SHOP_NOT_AUTHORIZED,
            "No active authorization of this app has this shop_cipher.",
        )
    return authorization


def deauthorize_shop(
    *, app: Credentials, shop_cipher: str, authorization: Authorization | None = None
) -> Authorization:
    """The developer ends a shop's authorization through the API (by shop cipher);
    `authorization`: the shop's, if the caller found it already (shop_authorization)."""
    if authorization is None:
        authorization = shop_authorization(app=app, shop_cipher=shop_cipher)
    end_authorization(authorization_id=authorization.pk, ended_by=Authorization.EndedBy.DEVELOPER)
    return authorization


def deauthorize_from_portal(*, app_id: int, authorization_id: int, by: User) -> bool:
    """The developer ends a shop's authorization from the authorized shops page (a member
    needs Authorizations, SPEC §8.3)."""
    owner = ensure(by, Module.AUTHORIZATIONS)
    by.ensure_can_write()
    authorization = Authorization.objects.get(pk=authorization_id, app_id=app_id, app__owner=owner)
    return end_authorization(
        authorization_id=authorization.pk, ended_by=Authorization.EndedBy.DEVELOPER
    )


def revoke_as_seller(*, authorization_id: int, seller_account_id: str) -> bool:
    """The seller revokes an app's access in Seller Center (SPEC §4.9, §6)."""
    authorization = Authorization.objects.of_seller(seller_account_id).get(pk=authorization_id)
    return end_authorization(
        authorization_id=authorization.pk, ended_by=Authorization.EndedBy.SELLER
    )


TEST_EVENTS = {
    WebhookDelivery.EventType.SELLER_DEAUTHORIZATION: {
        "message": "Test event from Partner Center: a seller deauthorized this app."
    },
    WebhookDelivery.EventType.UPCOMING_AUTHORIZATION_EXPIRATION: {
        "message": "Test event from Partner Center: an authorization expires soon.",
    },
    WebhookDelivery.EventType.AUTHORIZATION_GRANTED: {
        "message": "Test event from Partner Center: a seller authorized this app.",
        "open_id": "test-open-id",
        "shop_name": "Test shop",
        "shop_region": "US",
    },
}
TEST_SHOP_ID = "0000000000000000"


class WebhookRefused(Exception):
    """A test event or redelivery that cannot be sent; the message says why."""


def send_test_webhook(*, app_id: int, by: User, event_type: int) -> WebhookDelivery:
    """Queue a sample event (shop_id all zeros) to the app's Webhook URL (a member needs
    Webhooks, SPEC §8.3)."""
    owner = ensure(by, Module.WEBHOOKS)
    by.ensure_can_write()
    app = App.objects.get(pk=app_id, owner=owner)
    if app.is_deactivated:
        raise WebhookRefused(AppDeactivated().args[0])
    if not app.webhook_url:
        raise WebhookRefused(_("Set a Webhook URL on the app first (Edit)."))
    event_type = WebhookDelivery.EventType(event_type)
    data: dict[str, str | int] = dict(TEST_EVENTS[event_type])
    if event_type == WebhookDelivery.EventType.UPCOMING_AUTHORIZATION_EXPIRATION:
        data["expiration_time"] = int((timezone.now() + EXPIRY_NOTICE_WINDOW).timestamp())
    if event_type == WebhookDelivery.EventType.AUTHORIZATION_GRANTED:
        data["expiration_time"] = int((timezone.now() + AUTHORIZATION_VALIDITY).timestamp())
    with transaction.atomic():
        # Never None: the app has a Webhook URL (checked above).
        delivery = cast(
            WebhookDelivery,
            WebhookDelivery.enqueue(
                app=app, event_type=event_type, shop_id=TEST_SHOP_ID, data=data, is_test=True
            ),
        )
        queue_on_commit(delivery)
    return delivery


def redeliver_webhook(*, app_id: int, delivery_id: int, by: User) -> WebhookDelivery:
    """Send a delivery again, now, with a fresh retry schedule (same body, same id); a
    member needs Webhooks (SPEC §8.3)."""
    owner = ensure(by, Module.WEBHOOKS)
    by.ensure_can_write()
    delivery = WebhookDelivery.objects.get(pk=delivery_id, app_id=app_id, app__owner=owner)
    if not delivery.app.webhook_url:
        raise WebhookRefused(_("Set a Webhook URL on the app first (Edit)."))
    with transaction.atomic():
        delivery.redeliver()
        queue_on_commit(delivery)
    return delivery


def set_webhook_topics(*, app_id: int, by: User, topics: Iterable[int]) -> bool:
    """Subscribe the app to exactly `topics` (a member needs Webhooks to manage, SPEC
    §9.6); the change goes to the app's history. False when nothing changed."""
    owner = ensure(by, Module.WEBHOOKS)
    by.ensure_can_write()
    wanted = {int(WebhookDelivery.EventType(topic)) for topic in topics}
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app_id, owner=owner)
        if app.is_deactivated:
            raise WebhookRefused(AppDeactivated().args[0])
        current = WebhookSubscription.objects.topics_of(app)
        if wanted == current:
            return False
        WebhookSubscription.objects.filter(app=app, event_type__in=current - wanted).delete()
        WebhookSubscription.objects.bulk_create(
            [WebhookSubscription(app=app, event_type=topic) for topic in wanted - current]
        )
        listed = ", ".join(str(int(topic)) for topic in sorted(wanted)) or "none"
        AppEvent.objects.create(
            app=app, by=by, kind=AppEvent.Kind.EDITED, note=f"webhook topics: {listed}"
        )
    return True
