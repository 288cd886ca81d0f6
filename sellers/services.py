"""Ops actions on the local Seller Center directory (the import command's row logic)."""

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from phonenumber_field.phonenumber import PhoneNumber

from .models import TEST_LOGIN_DOMAIN, KycStatus, SellerAccount, SellerType, Shop


@dataclass(frozen=True)
class ImportOutcome:
    account: SellerAccount
    account_created: bool
    shop_created: bool | None  # None: the row named no shop


@transaction.atomic
def import_seller_row(
    *,
    email: str | None,
    phone: PhoneNumber | None,
    password: str,
    name: str,
    kyc_status: str,
    region: str,
    shop_id: str = "",
    shop_name: str = "",
    shop_region: str = "",
    seller_type: str = "",
) -> ImportOutcome:
    """Create or update one seller account (keyed by email, then phone) and one of its shops
    (keyed by shop_id), so importing the same file twice changes nothing the second time.

    Blank account fields keep the current value. Raises ValidationError when the row cannot
    be applied as a whole; nothing of it is then saved.
    """
    email = email.strip().lower() if email else None
    login = Q(pk__in=[])
    if email:
        login |= Q(email__iexact=email)
    if phone:
        login |= Q(phone=phone)
    matches = list(SellerAccount.objects.select_for_update().filter(login))
    if len(matches) > 1:
        raise ValidationError("email and phone belong to two different seller accounts")
    account = matches[0] if matches else SellerAccount(kyc_status=KycStatus.PENDING)
    account_created = account.pk is None
    if account_created:
        missing = [
            f for f, v in (("password", password), ("name", name), ("region", region)) if not v
        ]
        if missing:
            raise ValidationError(f"a new seller account needs {', '.join(missing)}")
    if email:
        account.email = email
    if phone:
        account.phone = phone
    for field, value in (("name", name), ("region", region), ("kyc_status", kyc_status)):
        if value:
            setattr(account, field, value)
    # Re-hashing an unchanged password would rewrite every row on every run.
    if password and (account_created or not account.check_password(password)):
        account.set_password(password)
    account.save()

    if not shop_id:
        return ImportOutcome(account=account, account_created=account_created, shop_created=None)
    shop = Shop.objects.select_for_update().filter(shop_id=shop_id).first()
    if shop is not None and shop.account_id != account.pk:
        raise ValidationError(f"shop {shop_id} belongs to another seller account")
    shop_created = shop is None
    shop = shop or Shop(account=account, shop_id=shop_id)
    shop.name, shop.region, shop.seller_type = shop_name, shop_region, seller_type
    shop.save()
    return ImportOutcome(
        account=account, account_created=account_created, shop_created=shop_created
    )


def _new_test_shop_id() -> str:
    # Shop ids are digit strings; test shops start with 9 (real ones with 7), so a glance
    # at an id in a log tells them apart.
    return f"9{secrets.randbelow(10**17):017d}"


@transaction.atomic
def create_test_account(
    *, owner_id: int, name: str, market: str, seller_type: str
) -> tuple[Shop, str]:
    """A developer's sandbox test account: a KYC-passed seller with one shop in `market`,
    its login a generated address on the reserved test domain and its password generated
    too. Returns the shop and the password, which only the caller sees (it is stored
    hashed)."""
    password = secrets.token_urlsafe(18)
    cross_border = seller_type == SellerType.CROSS_BORDER.shop_value
    account = SellerAccount(
        email=f"test-{secrets.token_hex(6)}@{TEST_LOGIN_DOMAIN}",
        name=name,
        # A cross-border seller is based outside the market it sells in.
        region="CN" if cross_border else market,
        kyc_status=KycStatus.PASSED,
        test_owner_id=owner_id,
    )
    account.set_password(password)
    account.save()
    shop = Shop.objects.create(
        account=account,
        shop_id=_new_test_shop_id(),
        name=name,
        region=market,
        seller_type=seller_type,
    )
    return shop, password
