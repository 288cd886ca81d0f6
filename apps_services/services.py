import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import TransitionNotAllowed
from phonenumber_field.phonenumber import PhoneNumber
from phonenumber_field.phonenumber import to_python as to_phone

from accounts.models import User
from categories.models import Market, ServiceCategory
from onboarding.models import Application
from partner_center import throttle
from reviews import services as reviews
from sellers.directory import get_directory

from .models import (
    ACCESS_TOKEN_TTL,
    AUTHORIZATION_VALIDITY,
    EXPIRY_NOTICE_WINDOW,
    SCOPES,
    AccessToken,
    App,
    AppDeactivated,
    AppState,
    AppType,
    AuthCode,
    Authorization,
    RefreshToken,
    SellerBinding,
    WebhookDelivery,
    digest,
)

logger = logging.getLogger(__name__)

# SPEC §4.6 quotes these messages; the portal shows them word for word.
SAME_LOGIN = _("Please use the same email/phone number for verification as for login")
NO_SELLER_ACCOUNT = _("This email/phone number does not have a linked Seller Center Account")
ALREADY_BOUND = _(
    "1 seller account can only be bound with 1 TTSPC account. "
    "Please use another seller account to bind/verify"
)
WRONG_PASSWORD = _("The Seller Center password is incorrect.")
KYC_NOT_PASSED = _("This seller account has not passed KYC/KYB review yet.")
ALREADY_VERIFIED = _("Your account is already verified as a TikTok Shop seller.")
EMAIL_NOT_VERIFIED = _("Verify your login email before verifying a seller account.")
TOO_MANY_ATTEMPTS = _("Too many wrong passwords. Try again in 15 minutes.")

# The form checks a Seller Center password, so it must not become a guessing oracle: wrong
# passwords are limited per partner (SELLER_VERIFICATION_FAILURES).


def _is_own_login(user: User, login: str) -> bool:
    if "@" in login:
        return login.lower() == user.email.lower()
    phone = to_phone(login)
    return (
        bool(user.phone and user.phone_verified)
        and isinstance(phone, PhoneNumber)
        and phone.is_valid()
        and phone == user.phone
    )


def verify_seller_developer(*, user: User, login: str, password: str) -> SellerBinding:
    """SPEC §4.6: bind the Seller Center account that logs in with `login` to `user`.

    The login must be the partner's own (verified) email or phone, the seller must exist,
    the password must match, KYC/KYB must have passed, and the seller account must not be
    bound to another partner yet. The seller's first shop becomes the partner's own shop.
    Raises ValidationError with the message the partner sees (AccountBlacklisted when the
    partner may not write anything, SPEC §3.14).

    Seller Center may be a remote service, so only the final insert runs in a transaction;
    the unique constraint on seller_account_id, not the earlier check, decides a race.
    """
    user.ensure_can_write()
    login = (login or "").strip()
    if SellerBinding.objects.filter(partner=user).exists():
        raise ValidationError(ALREADY_VERIFIED, code="already_verified")
    if not _is_own_login(user, login):
        raise ValidationError(SAME_LOGIN, code="not_same_login")
    if "@" in login and not user.has_verified_email():
        raise ValidationError(EMAIL_NOT_VERIFIED, code="email_not_verified")
    failures = {
        "scope": "seller-verification",
        "key": str(user.pk),
        "rate": settings.SELLER_VERIFICATION_FAILURES,
    }
    if throttle.check(**failures).limited:
        raise ValidationError(TOO_MANY_ATTEMPTS, code="throttled")

    directory = get_directory()
    account = directory.find_account(login)
    if account is None:
        raise ValidationError(NO_SELLER_ACCOUNT, code="no_seller_account")
    if not directory.check_password(account.id, password):
        throttle.hit(**failures)
        raise ValidationError(WRONG_PASSWORD, code="wrong_password")
    if not directory.kyc_passed(account.id):
        raise ValidationError(KYC_NOT_PASSED, code="kyc_not_passed")
    if SellerBinding.objects.filter(seller_account_id=account.id).exists():
        raise ValidationError(ALREADY_BOUND, code="already_bound")

    shops = directory.list_shops(account.id)
    try:
        with transaction.atomic():
            return SellerBinding.objects.create(
                partner=user,
                seller_account_id=account.id,
                own_shop_id=shops[0].shop_id if shops else "",
                own_shop_name=shops[0].name if shops else "",
                own_shop_market=shops[0].region if shops else "",
            )
    except IntegrityError:
        if SellerBinding.objects.filter(partner=user).exists():
            raise ValidationError(ALREADY_VERIFIED, code="already_verified") from None
        raise ValidationError(ALREADY_BOUND, code="already_bound") from None


# --- Apps and services (SPEC §4.1-4.5) -----------------------------------------------------
# Locking for app transitions lives here, and only here: each service locks the app row
# before changing it, so two tabs publishing and deactivating at once are serialised.

NOT_A_DEVELOPER = _(
    "Apply to become a developer first: go to Business guide > Start Business and pick "
    "“App developer or system integrator (ISV)” or “TikTok Shop Seller”. You can create apps "
    "as soon as your application is saved."
)


class NotADeveloper(Exception):
    """The partner has no developer application at all, not even a draft."""

    def __init__(self):
        super().__init__(NOT_A_DEVELOPER)


class AppActionRefused(Exception):
    """A publish, review or deactivation that cannot happen; the message says why."""


def ensure_developer(user: User) -> None:
    if not Application.objects.for_developers().filter(user=user).exists():
        raise NotADeveloper()


def _lock(app_id: int, *, owner: User | None = None) -> App:
    apps = App.objects.select_for_update().select_related("category", "category__role")
    return apps.get(pk=app_id) if owner is None else apps.get(pk=app_id, owner=owner)


def create_app(
    *,
    user: User,
    app_type: str,
    category: ServiceCategory,
    name: str,
    market: Market,
    seller_type: str,
    api_enabled: bool = False,
    redirect_url: str = "",
    webhook_url: str = "",
    logo=None,
    allow_local_http: bool | None = None,
) -> App:
    """Create a draft app and issue its app key, service id and secret (SPEC §4.2-4.4).

    Raises NotADeveloper when the partner never applied as a developer, and ValidationError
    keyed by field when a rule is broken: a category they did not apply for, a public app
    outside the ISV role, a missing or non-https redirect URL. `allow_local_http` overrides
    the setting for http://localhost URLs (the demo uses it).
    """
    user.ensure_can_write()
    ensure_developer(user)
    app = App(
        owner=user,
        app_type=app_type,
        category=category,
        name=(name or "").strip(),
        market=market,
        seller_type=seller_type,
        api_enabled=api_enabled,
        redirect_url=redirect_url if api_enabled else "",
        webhook_url=webhook_url if api_enabled else "",
        logo=logo or None,
    )
    app.check_rules(allow_local_http=allow_local_http)
    with transaction.atomic():
        app.issue_credentials()
        # 36^14 app keys and 10^18 service ids: a clash is all but impossible, and the
        # unique constraints stop one that happens anyway.
        while App.objects.filter(app_key=app.app_key).exists():
            app.app_key = App.new_app_key()
        while App.objects.filter(service_id=app.service_id).exists():
            app.service_id = App.new_service_id()
        app.clean_fields(exclude=["state"])  # the FSM field is protected, and set
        app.save()
        app.record_creation(by=user)
    return app


def update_app(
    *, app_id: int, by: User, changes: dict, allow_local_http: bool | None = None
) -> App:
    """Change the editable fields of one of `by`'s apps; the type and category never change
    (SPEC §4.10). A deactivated app refuses every change (AppDeactivated)."""
    by.ensure_can_write()
    with transaction.atomic():
        app = _lock(app_id, owner=by)
        if app.is_deactivated:
            raise AppDeactivated()
        changes = {k: v for k, v in changes.items() if k in App.EDITABLE_FIELDS}
        if changes.get("api_enabled") is False:
            changes["redirect_url"] = changes["webhook_url"] = ""
        changed = []
        for field, value in changes.items():
            if field == "logo":
                if value is False:  # "Clear" ticked
                    value = ""
                elif value is None:  # nothing uploaded: keep the logo
                    continue
            if getattr(app, field) != value:
                setattr(app, field, value)
                changed.append(field)
        if not changed:
            return app
        app.check_rules(allow_local_http=allow_local_http)
        app.clean_fields(exclude=[f.name for f in App._meta.fields if f.name not in changed])
        app.save()
        app.record_edit(by=by, fields=changed)
    return app


def publish_app(*, app_id: int, by: User) -> App:
    """Publish: a custom app goes online at once when the developer is certified; a public
    app goes to app review (SPEC §4.4). Raises AppActionRefused with the reason."""
    by.ensure_can_write()
    with transaction.atomic():
        app = _lock(app_id, owner=by)
        refusal = app.publish_refusal()
        if refusal:
            raise AppActionRefused(refusal)
        step = "publish" if app.app_type == AppType.CUSTOM else "submit_for_review"
        try:
            reviews.transition(app, step, by=by)
        except TransitionNotAllowed as exc:
            raise AppActionRefused(app.publish_refusal() or str(exc)) from exc
    return app


def review_app(*, app_id: int, by: User, approve: bool, reason: str = "") -> App:
    """A reviewer's app review decision on a public app in review."""
    if not approve and not (reason or "").strip():
        raise AppActionRefused(_("Give the developer a reason for the rejection."))
    with transaction.atomic():
        app = _lock(app_id)
        if app.state != AppState.IN_REVIEW:
            raise AppActionRefused(
                _("Only apps in review can be decided; this one is %(state)s.")
                % {"state": app.get_state_display()}
            )
        step, details = ("approve_review", {}) if approve else ("reject_review", {"reason": reason})
        try:
            reviews.transition(app, step, by=by, **details)
        except PermissionError as exc:
            raise AppActionRefused(
                _("Only staff with the app review permission can decide app reviews.")
            ) from exc
    return app


def deactivate_app(*, app_id: int, by: User) -> App:
    """Take an app offline for good and end its authorizations (SPEC §4.5)."""
    if not by.is_staff:
        by.ensure_can_write()
    with transaction.atomic():
        app = _lock(app_id, owner=None if by.is_staff else by)
        if app.is_deactivated:
            raise AppActionRefused(_("This app is already deactivated."))
        try:
            reviews.transition(app, "deactivate", by=by)
        except PermissionError as exc:
            raise AppActionRefused(_("Only the app's developer can deactivate it.")) from exc
    return app


def reveal_app_secret(*, app_id: int, by: User, ip: str | None) -> str:
    """The app secret in the clear, for its owner only; every reveal is audited."""
    with transaction.atomic():
        app = _lock(app_id, owner=by)
        if app.is_deactivated:
            raise AppDeactivated()
        app.record_reveal(by=by, ip=ip)
        return app.reveal_secret()


def rotate_app_secret(*, app_id: int, by: User) -> App:
    """Issue a new app secret; the old one verifies until the grace period ends."""
    by.ensure_can_write()
    with transaction.atomic():
        app = _lock(app_id, owner=by)
        app.rotate_secret(by=by)
        app.save()
        app.record_rotation(by=by)
    return app


# --- Seller authorization and the Open API (SPEC §4.7-4.9) ---------------------------------
# Never log a secret, token, code or signature: ids and error codes are enough to debug.

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


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    authorization: Authorization


def authorization_refusal(*, app: App, seller_account_id: str, shop_id: str | None) -> str | None:
    """Why this seller (and shop) may not authorize `app`, or None (SPEC §4.7).

    A custom app of a seller in-house developer may be authorized by that developer's own
    shop only: any other shop gets "Authorization failed".
    """
    refusal = app.authorization_refusal()
    if refusal:
        return refusal
    directory = get_directory()
    if not directory.kyc_passed(seller_account_id):
        return str(_("Your Seller Center account has not passed KYC/KYB review yet."))
    shops = {shop.shop_id for shop in directory.list_shops(seller_account_id)}
    if app.is_seller_developer_app:
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
        authorization.granted_scopes = list(SCOPES)
        authorization.authorized_at = now
        authorization.expires_at = now + AUTHORIZATION_VALIDITY
        authorization.revoked_at = None
        authorization.ended_by = ""
        authorization.expiry_notified_on = None
        authorization.save()
        code = AuthCode.issue(authorization=authorization)
    logger.info(
        "App %s authorized by shop %s (authorization %s).", app.pk, shop_id, authorization.pk
    )
    return code


def authenticate_app(*, app_key: str, app_secret: str) -> App:
    """The app whose key and secret these are; ApiRefusal otherwise."""
    if not app_key or not app_secret:
        raise ApiRefusal(
            ErrorCode.INVALID_PARAMETER, "app_key and app_secret are required query parameters."
        )
    app = App.objects.filter(app_key=app_key).first()
    if app is None:
        raise ApiRefusal(
            ErrorCode.UNKNOWN_APP_KEY,
            "Unknown app_key. Copy it from App & Service › your app › Credentials.",
        )
    if not app.secret_matches(app_secret):
        raise ApiRefusal(
            ErrorCode.WRONG_APP_SECRET,
            "app_secret does not match this app_key. Reveal the current secret on the app "
            "page; after a rotation the previous one works only during the grace period.",
        )
    ensure_app_active(app)
    return app


def ensure_app_active(app: App) -> None:
    if app.is_deactivated:
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
        raise ApiRefusal(
            ErrorCode.AUTHORIZATION_ENDED,
            "The seller's authorization has ended or expired. Ask the seller to authorize "
            "the app again.",
        )


def exchange_auth_code(*, app: App, auth_code: str) -> TokenGrant:
    """Auth code → access and refresh token (SPEC §4.8). The code is single use: of two
    exchanges at once exactly one wins, and presenting a used code again revokes every
    token issued from it (it may have leaked)."""
    row = (
        AuthCode.objects.select_related("authorization").filter(code_hash=digest(auth_code)).first()
        if auth_code
        else None
    )
    if row is None or row.app_id != app.pk:
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


def refresh_access_token(*, app: App, refresh_token: str) -> TokenGrant:
    """Refresh token → a new access token and a new refresh token; the old refresh token is
    used up (rotation). Access tokens issued before stay valid until they expire."""
    row = RefreshToken.find(refresh_token)
    if row is None or row.app_id != app.pk:
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


def authenticate_access_token(*, app: App, access_token: str) -> Authorization:
    """The authorization an access token (header x-tts-access-token) stands for."""
    row = AccessToken.find(access_token)
    if row is None or row.app_id != app.pk:
        raise ApiRefusal(
            ErrorCode.INVALID_ACCESS_TOKEN,
            "x-tts-access-token is missing or not valid for this app_key.",
        )
    if row.revoked_at is not None:
        raise ApiRefusal(
            ErrorCode.ACCESS_TOKEN_REVOKED,
            "The access token was revoked. Ask the seller to authorize the app again.",
        )
    if row.expires_at <= timezone.now():
        raise ApiRefusal(
            ErrorCode.ACCESS_TOKEN_EXPIRED,
            "The access token expired. Get a new one from /api/v2/token/refresh.",
        )
    _ensure_authorization_active(row.authorization)
    return row.authorization


def end_authorization(*, authorization_id: int, ended_by: str) -> bool:
    """End one authorization: tokens revoked, a type 6 webhook to the developer. Returns
    False when it had already ended."""
    with transaction.atomic():
        authorization = Authorization.objects.select_related("app").get(pk=authorization_id)
        ended = authorization.end(ended_by=ended_by)
    if ended:
        logger.info("Authorization %s ended (%s).", authorization_id, ended_by)
    return ended


def deauthorize_shop(*, app: App, shop_cipher: str) -> Authorization:
    """The developer ends a shop's authorization through the API (by shop cipher)."""
    authorization = (
        Authorization.objects.active().filter(app=app, shop_cipher=shop_cipher).first()
        if shop_cipher
        else None
    )
    if authorization is None:
        raise ApiRefusal(
            ErrorCode.SHOP_NOT_AUTHORIZED,
            "No active authorization of this app has this shop_cipher.",
        )
    end_authorization(authorization_id=authorization.pk, ended_by=Authorization.EndedBy.DEVELOPER)
    return authorization


def deauthorize_from_portal(*, app_id: int, authorization_id: int, by: User) -> bool:
    """The developer ends a shop's authorization from the authorized shops page."""
    by.ensure_can_write()
    authorization = Authorization.objects.get(pk=authorization_id, app_id=app_id, app__owner=by)
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
}
TEST_SHOP_ID = "0000000000000000"


class WebhookRefused(Exception):
    """A test event or redelivery that cannot be sent; the message says why."""


def send_test_webhook(*, app_id: int, by: User, event_type: int) -> WebhookDelivery:
    """Queue a sample event (shop_id all zeros) to the app's Webhook URL."""
    by.ensure_can_write()
    app = App.objects.get(pk=app_id, owner=by)
    if app.is_deactivated:
        raise WebhookRefused(AppDeactivated().args[0])
    if not app.webhook_url:
        raise WebhookRefused(_("Set a Webhook URL on the app first (Edit)."))
    event_type = WebhookDelivery.EventType(event_type)
    data = dict(TEST_EVENTS[event_type])
    if event_type == WebhookDelivery.EventType.UPCOMING_AUTHORIZATION_EXPIRATION:
        data["expiration_time"] = int((timezone.now() + EXPIRY_NOTICE_WINDOW).timestamp())
    with transaction.atomic():
        return WebhookDelivery.enqueue(
            app=app, event_type=event_type, shop_id=TEST_SHOP_ID, data=data, is_test=True
        )


def redeliver_webhook(*, app_id: int, delivery_id: int, by: User) -> WebhookDelivery:
    """Send a delivery again, now, with a fresh retry schedule (same body, same id)."""
    by.ensure_can_write()
    delivery = WebhookDelivery.objects.get(pk=delivery_id, app_id=app_id, app__owner=by)
    if not delivery.app.webhook_url:
        raise WebhookRefused(_("Set a Webhook URL on the app first (Edit)."))
    with transaction.atomic():
        delivery.redeliver()
    return delivery
