"""Ops actions on the local Seller Center directory (the import command's row logic)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from phonenumber_field.phonenumber import PhoneNumber

from .models import KycStatus, SellerAccount, Shop


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
