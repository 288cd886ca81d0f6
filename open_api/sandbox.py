"""SPEC §9.1: sandbox test shops.

A developer makes stand-in Seller Center accounts, each with one shop marked TEST, to try
their apps end to end through the real consent page. A test account authorizes only its
developer's apps (open_api.services.authorization_refusal holds that rule) and is never a
real seller: no referral credit, no seller verification, no count.

The seller's side (the account, its generated login and password) is Seller Center's, made
through sellers.directory; the password is returned once to the caller and never kept in
clear nor logged.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import AccountEvent, User
from accounts.permissions import Module, ensure
from apps_services.models import App, AppDeactivated
from sellers.directory import SellerAccountInfo, TestShopInfo, get_directory
from sellers.models import SellerType

from . import services
from .models import Authorization

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 60


class TestShopRefused(Exception):
    """A test shop cannot be made, deleted or used now; the message says why."""


@dataclass(frozen=True)
class NewTestShop:
    test_shop: TestShopInfo
    # Shown once, on the page that follows the creation; nowhere else.
    password: str


def test_shops_of(owner: User) -> list[TestShopInfo]:
    """The developer account's test shops, oldest first."""
    return get_directory().list_test_shops(owner.pk)


def find_test_shop(*, owner: User, test_shop_id: str) -> TestShopInfo | None:
    """One of the account's test shops by its account id; None for anyone else's."""
    return next(
        (t for t in test_shops_of(owner) if t.account_id == str(test_shop_id)),
        None,
    )


def authorize_refusal(app: App) -> str | None:
    """Why the developer's test shops cannot authorize `app` now, in the developer's words;
    None when they can. Unlike a real seller, a test shop needs no published app."""
    if not app.api_enabled or not app.redirect_url:
        return str(
            _(
                "Turn on the Open API and set a Redirect URL for this app (Edit) before a "
                "test shop can authorize it."
            )
        )
    return services.app_refusal(app, sandbox=True)


@transaction.atomic
def create_test_shop(*, app_id: int, by: User, name: str, ip: str | None = None) -> NewTestShop:
    """A new test account with one shop in the app's market (seller type: the app's), named
    by the developer; a member needs Authorizations at manage (SPEC §8.3). At most
    settings.TEST_SHOPS_PER_DEVELOPER per developer account."""
    owner = ensure(by, Module.AUTHORIZATIONS)
    by.ensure_can_write()
    app = App.objects.select_related("market").get(pk=app_id, owner=owner)
    if app.is_deactivated:
        raise TestShopRefused(AppDeactivated().args[0])
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise TestShopRefused(
            _("Name the test shop in 1 to %(max)d characters.") % {"max": NAME_MAX_LENGTH}
        )
    # The account's row is the lock: two tabs creating at once cannot pass the limit.
    User.objects.select_for_update().filter(pk=owner.pk).first()
    directory = get_directory()
    limit = settings.TEST_SHOPS_PER_DEVELOPER
    if len(directory.list_test_shops(owner.pk)) >= limit:
        raise TestShopRefused(
            ngettext(
                "Your account already has %(limit)d test shop, the most it may have. Delete "
                "it to make another.",
                "Your account already has %(limit)d test shops, the most it may have. Delete "
                "one to make another.",
                limit,
            )
            % {"limit": limit}
        )
    seller_type = SellerType(app.seller_type or SellerType.LOCAL)
    market = app.market.code
    test_shop, password = directory.create_test_shop(
        owner_id=owner.pk, name=name, market=market, seller_type=seller_type.shop_value
    )
    AccountEvent.record(
        AccountEvent.Type.TEST_SHOP_CREATED,
        user=by,
        acting_user=by,
        target=f"{test_shop.shop.name} ({test_shop.shop.shop_id})",
        ip=ip,
        details={"shop_id": test_shop.shop.shop_id, "market": market},
    )
    logger.info("Test shop %s created for account %s.", test_shop.shop.shop_id, owner.pk)
    return NewTestShop(test_shop=test_shop, password=password)


def delete_test_shop(*, test_shop_id: str, by: User, ip: str | None = None) -> TestShopInfo:
    """Delete one of the account's test shops; its authorizations end first (each app's
    developer gets the usual type 6 webhook). Raises TestShopRefused for no such shop."""
    owner = ensure(by, Module.AUTHORIZATIONS)
    by.ensure_can_write()
    test_shop = find_test_shop(owner=owner, test_shop_id=test_shop_id)
    if test_shop is None:
        raise TestShopRefused(_("This test shop no longer exists."))
    ended = Authorization.objects.active().of_seller(test_shop.account_id)
    for authorization_id in ended.values_list("pk", flat=True):
        services.end_authorization(
            authorization_id=authorization_id, ended_by=Authorization.EndedBy.DEVELOPER
        )
    with transaction.atomic():
        get_directory().delete_test_shop(owner_id=owner.pk, account_id=test_shop.account_id)
        AccountEvent.record(
            AccountEvent.Type.TEST_SHOP_DELETED,
            user=by,
            acting_user=by,
            target=f"{test_shop.shop.name} ({test_shop.shop.shop_id})",
            ip=ip,
            details={"shop_id": test_shop.shop.shop_id},
        )
    return test_shop


def test_seller_for_authorization(*, app_id: int, test_shop_id: str, by: User) -> SellerAccountInfo:
    """The test account to sign in to Seller Center so it can authorize `app` on the real
    consent page; a member needs Authorizations at manage. Raises TestShopRefused when the
    app cannot be authorized by it."""
    owner = ensure(by, Module.AUTHORIZATIONS)
    by.ensure_can_write()
    app = App.objects.select_related("category", "owner").get(pk=app_id, owner=owner)
    test_shop = find_test_shop(owner=owner, test_shop_id=test_shop_id)
    account = get_directory().get_account(test_shop.account_id) if test_shop else None
    if account is None:
        raise TestShopRefused(_("This test shop no longer exists."))
    refusal = authorize_refusal(app)
    if refusal:
        raise TestShopRefused(refusal)
    return account
