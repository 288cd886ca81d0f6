"""SPEC §6: the one narrow interface between Partner Center and Seller Center.

Everything outside `sellers/` talks to Seller Center through `get_directory()` and gets plain
dataclasses back, never model instances. The default `LocalSellerDirectory` reads the local
stand-in tables; settings.SELLER_DIRECTORY names another class (an HTTP client, say) that
implements the same `SellerDirectory` protocol.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

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

    @property
    def kyc_passed(self) -> bool:
        return self.kyc_status == KycStatus.PASSED


@dataclass(frozen=True)
class ShopInfo:
    shop_id: str
    name: str
    region: str
    seller_type: str
    cipher: str


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


def _account_info(account: SellerAccount) -> SellerAccountInfo:
    return SellerAccountInfo(
        id=str(account.pk),
        email=account.email,
        phone=account.phone.as_e164 if account.phone else None,
        name=account.name,
        region=account.region,
        kyc_status=account.kyc_status,
    )


def _shop_info(shop: Shop) -> ShopInfo:
    return ShopInfo(
        shop_id=shop.shop_id,
        name=shop.name,
        region=shop.region,
        seller_type=SellerType.from_shop_value(shop.seller_type).shop_value,
        cipher=shop.cipher,
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
        shops = Shop.objects.filter(account_id=int(account_id)) if str(account_id).isdigit() else []
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


def get_directory() -> SellerDirectory:
    """The Seller Center implementation named by settings.SELLER_DIRECTORY."""
    return import_string(settings.SELLER_DIRECTORY)()
