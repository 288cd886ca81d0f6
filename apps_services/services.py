import logging

from django.apps import apps as installed_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django_fsm import TransitionNotAllowed
from phonenumber_field.phonenumber import PhoneNumber
from phonenumber_field.phonenumber import to_python as to_phone

from accounts.models import AccountEvent, User
from accounts.permissions import Module, ensure
from categories.models import Market, ServiceCategory
from onboarding.models import Application
from partner_center import throttle
from reviews import services as reviews
from sellers.directory import get_directory

from .models import (
    App,
    AppDeactivated,
    AppState,
    AppType,
    SellerBinding,
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
    """SPEC §4.6: bind the Seller Center account that logs in with `login` to the partner
    account `user` acts for (a member needs Profile & applications, SPEC §8.3).

    The login must be the partner account's own (verified) email or phone, the seller must exist,
    the password must match, KYC/KYB must have passed, and the seller account must not be
    bound to another partner yet. The seller's first shop becomes the partner's own shop.
    Raises ValidationError with the message the partner sees (AccountBlacklisted when the
    partner may not write anything, SPEC §3.14).

    Seller Center may be a remote service, so only the final insert runs in a transaction;
    the unique constraint on seller_account_id, not the earlier check, decides a race.
    """
    owner = ensure(user, Module.PROFILE)
    user.ensure_can_write()
    login = (login or "").strip()
    if SellerBinding.objects.filter(partner=owner).exists():
        raise ValidationError(ALREADY_VERIFIED, code="already_verified")
    if not _is_own_login(owner, login):
        raise ValidationError(SAME_LOGIN, code="not_same_login")
    if "@" in login and not owner.has_verified_email():
        raise ValidationError(EMAIL_NOT_VERIFIED, code="email_not_verified")
    failures = {
        "scope": "seller-verification",
        "key": str(owner.pk),
        "rate": settings.SELLER_VERIFICATION_FAILURES,
    }
    if throttle.check(**failures).limited:
        raise ValidationError(TOO_MANY_ATTEMPTS, code="throttled")

    directory = get_directory()
    account = directory.find_account(login)
    # A developer's sandbox test account is no seller to verify as (SPEC §9.1).
    if account is None or account.is_test:
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
                partner=owner,
                seller_account_id=account.id,
                own_shop_id=shops[0].shop_id if shops else "",
                own_shop_name=shops[0].name if shops else "",
                own_shop_market=shops[0].region if shops else "",
            )
    except IntegrityError:
        if SellerBinding.objects.filter(partner=owner).exists():
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
    """Create a draft app of the partner account `user` acts for, and issue its app key,
    service id and secret (SPEC §4.2-4.4). `user` is recorded as its creator.

    Raises NotADeveloper when the partner never applied as a developer, and ValidationError
    keyed by field when a rule is broken: a category they did not apply for, a public app
    outside the ISV role, a missing or non-https redirect URL. `allow_local_http` overrides
    the setting for http://localhost URLs (the demo uses it).
    """
    owner = ensure(user, Module.APPS)
    user.ensure_can_write()
    ensure_developer(owner)
    app = App(
        owner=owner,
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
        _app_created(app)
    return app


def _app_created(app: App) -> None:
    """Let the Open API (a floor above, so named, not imported) give the new app what it
    holds from the start: the standard flow's scopes and every webhook topic."""
    try:
        config = installed_apps.get_app_config("open_api")
    except LookupError:
        return
    config.app_created(app)  # type: ignore[attr-defined]


def update_app(
    *, app_id: int, by: User, changes: dict, allow_local_http: bool | None = None
) -> App:
    """Change the editable fields of an app of the account `by` acts for; the type and
    category never change (SPEC §4.10). A deactivated app refuses every change
    (AppDeactivated)."""
    owner = ensure(by, Module.APPS)
    by.ensure_can_write()
    with transaction.atomic():
        app = _lock(app_id, owner=owner)
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
    owner = ensure(by, Module.APPS)
    by.ensure_can_write()
    with transaction.atomic():
        app = _lock(app_id, owner=owner)
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
    owner = None
    if not by.is_staff:
        owner = ensure(by, Module.APPS)
        by.ensure_can_write()
    with transaction.atomic():
        app = _lock(app_id, owner=owner)
        if app.is_deactivated:
            raise AppActionRefused(_("This app is already deactivated."))
        try:
            reviews.transition(app, "deactivate", by=by)
        except PermissionError as exc:
            raise AppActionRefused(_("Only the app's developer can deactivate it.")) from exc
    return app


def _secret_target(app: App) -> str:
    """How the security log names the app whose secret was used."""
    return f"{app.name} ({app.app_key})"


def reveal_app_secret(*, app_id: int, by: User, ip: str | None) -> str:
    """The app secret in the clear, for its owner's account only (a member needs App
    secrets, SPEC §8.3); every reveal is audited in the app's history and the security log
    (SPEC §8.5)."""
    owner = ensure(by, Module.SECRETS)
    with transaction.atomic():
        app = _lock(app_id, owner=owner)
        if app.is_deactivated:
            raise AppDeactivated()
        app.record_reveal(by=by, ip=ip)
        AccountEvent.record(
            AccountEvent.Type.SECRET_REVEALED,
            user=by,
            acting_user=by,
            target=_secret_target(app),
            ip=ip,
        )
        return app.reveal_secret()


def rotate_app_secret(*, app_id: int, by: User, ip: str | None = None) -> App:
    """Issue a new app secret; the old one verifies until the grace period ends. Recorded in
    the app's history and the security log (SPEC §8.5)."""
    owner = ensure(by, Module.SECRETS)
    by.ensure_can_write()
    with transaction.atomic():
        app = _lock(app_id, owner=owner)
        app.rotate_secret(by=by)
        app.save()
        app.record_rotation(by=by)
        AccountEvent.record(
            AccountEvent.Type.SECRET_ROTATED,
            user=by,
            acting_user=by,
            target=_secret_target(app),
            ip=ip,
        )
    return app
