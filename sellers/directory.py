"""SPEC §6: the one narrow interface between Partner Center and Seller Center.

Everything outside `sellers/` talks to Seller Center through `get_directory()` and gets plain
dataclasses back, never model instances. The default `LocalSellerDirectory` reads the local
stand-in tables; settings.SELLER_DIRECTORY names another class (an HTTP client, say) that
implements the same `SellerDirectory` protocol.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from . import services
from .models import KycStatus, SellerAccount, SellerType, Shop


class SellerAlreadyExists(Exception):
    """create_seller was given an email or phone that already logs in to Seller Center."""


@dataclass(frozen=True)
class SellerAccountInfo:
    id: str
    email: str | None
    phone: str | None  # E.164
    name: str
    region: str
    kyc_status: str
    # A developer's sandbox test account (the developer's Partner Center account id): it
    # may authorize that developer's apps only and never counts as a real seller.
    test_owner_id: int | None = None

    @property
    def kyc_passed(self) -> bool:
        return self.kyc_status == KycStatus.PASSED

    @property
    def is_test(self) -> bool:
        return self.test_owner_id is not None


@dataclass(frozen=True)
class ShopInfo:
    shop_id: str
    name: str
    region: str
    seller_type: str
    cipher: str
    is_test: bool = False

    @property
    def seller_type_label(self):
        return SellerType.from_shop_value(self.seller_type).shop_label


@dataclass(frozen=True)
class TestShopInfo:
    """A developer's sandbox test account and its one shop."""

    account_id: str
    login: str
    shop: ShopInfo
    created_at: datetime


class SellerDirectory(Protocol):
    def find_account(self, login: str) -> SellerAccountInfo | None:
        """The account whose login is `login` (email, any case, or E.164 phone), or None."""
        ...

    def check_password(self, account_id: str, password: str) -> bool: ...

    def kyc_passed(self, account_id: str) -> bool: ...

    def list_shops(self, account_id: str) -> list[ShopInfo]:
        """The account's shops, oldest first (the first one is the seller's main shop)."""
        ...

    def create_seller(
        self,
        *,
        email: str | None,
        phone: str | None,
        password: str,
        name: str,
        region: str,
        kyc_status: str = KycStatus.PENDING,
    ) -> SellerAccountInfo:
        """Register a new seller; raise SellerAlreadyExists if the login is taken."""
        ...

    def get_account(self, account_id: str) -> SellerAccountInfo | None: ...

    def list_test_shops(self, owner_id: int) -> list[TestShopInfo]:
        """The sandbox test accounts (with their shop) of a developer account, oldest first."""
        ...

    def create_test_shop(
        self, *, owner_id: int, name: str, market: str, seller_type: str
    ) -> tuple[TestShopInfo, str]:
        """A new KYC-passed test account with one shop; returns it and its password (the
        only time the password is told)."""
        ...

    def delete_test_shop(self, *, owner_id: int, account_id: str) -> bool:
        """Delete one of the developer's test accounts with its shop; False if none."""
        ...


def _account_info(account: SellerAccount) -> SellerAccountInfo:
    return SellerAccountInfo(
        id=str(account.pk),
        email=account.email,
        phone=account.phone.as_e164 if account.phone else None,
        name=account.name,
        region=account.region,
        kyc_status=account.kyc_status,
        test_owner_id=account.test_owner_id,
    )


def _shop_info(shop: Shop) -> ShopInfo:
    return ShopInfo(
        shop_id=shop.shop_id,
        name=shop.name,
        region=shop.region,
        seller_type=SellerType.from_shop_value(shop.seller_type).shop_value,
        cipher=shop.cipher,
        is_test=shop.is_test,
    )


def _test_shop_info(shop: Shop) -> TestShopInfo:
    return TestShopInfo(
        account_id=str(shop.account_id),
        login=shop.account.email or "",
        shop=_shop_info(shop),
        created_at=shop.account.created_at,
    )


class LocalSellerDirectory:
    """Seller Center as the local `sellers` tables that ops fill in admin or by import."""

    def _get(self, account_id: str) -> SellerAccount | None:
        if not str(account_id).isdigit():
            return None
        return SellerAccount.objects.filter(pk=int(account_id)).first()

    def find_account(self, login: str) -> SellerAccountInfo | None:
        account = SellerAccount.objects.by_login(login).first()
        return _account_info(account) if account else None

    def check_password(self, account_id: str, password: str) -> bool:
        account = self._get(account_id)
        return account is not None and account.check_password(password)

    def kyc_passed(self, account_id: str) -> bool:
        account = self._get(account_id)
        return account is not None and account.kyc_passed

    def list_shops(self, account_id: str) -> list[ShopInfo]:
        if not str(account_id).isdigit():
            return []
        shops = Shop.objects.filter(account_id=int(account_id)).select_related("account")
        return [_shop_info(shop) for shop in shops]

    def create_seller(
        self,
        *,
        email: str | None,
        phone: str | None,
        password: str,
        name: str,
        region: str,
        kyc_status: str = KycStatus.PENDING,
    ) -> SellerAccountInfo:
        account = SellerAccount(
            email=email.strip().lower() if email else None,
            phone=phone or None,
            name=name,
            region=region.upper(),
            kyc_status=kyc_status,
        )
        account.set_password(password)
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError as exc:
            raise SellerAlreadyExists(email or phone) from exc
        return _account_info(account)

    def get_account(self, account_id: str) -> SellerAccountInfo | None:
        account = self._get(account_id)
        return _account_info(account) if account else None

    def list_test_shops(self, owner_id: int) -> list[TestShopInfo]:
        shops = (
            Shop.objects.filter(account__test_owner_id=owner_id)
            .select_related("account")
            .order_by("account__created_at", "account_id", "pk")
        )
        return [_test_shop_info(shop) for shop in shops]

    def create_test_shop(
        self, *, owner_id: int, name: str, market: str, seller_type: str
    ) -> tuple[TestShopInfo, str]:
        shop, password = services.create_test_account(
            owner_id=owner_id, name=name, market=market.upper(), seller_type=seller_type
        )
        return _test_shop_info(shop), password

    def delete_test_shop(self, *, owner_id: int, account_id: str) -> bool:
        if not str(account_id).isdigit():
            return False
        deleted, _ = SellerAccount.objects.tests_of(owner_id).filter(pk=int(account_id)).delete()
        return deleted > 0


def get_directory() -> SellerDirectory:
    """The Seller Center implementation named by settings.SELLER_DIRECTORY."""
    return import_string(settings.SELLER_DIRECTORY)()
