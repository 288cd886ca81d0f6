"""SPEC §6: a local stand-in for Seller Center's seller accounts and shops.

Seller Center is an external system. The rest of the portal reaches these tables only through
`sellers.directory`, so a production deployment can swap them for an HTTP client.
"""

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber
from phonenumber_field.phonenumber import to_python as to_phone

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class KycStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class SellerType(models.TextChoices):
    """Who a seller sells as: the portal's one vocabulary for it, in two spellings.

    Partner Center stores the value (local / cross_border: an app's target sellers, a
    referral link's); Seller Center and the Open API spell it LOCAL / CROSS_BORDER
    (`shop_value`), and that is what a shop stores and an API response carries.
    """

    LOCAL = "local", _("Local sellers")
    CROSS_BORDER = "cross_border", _("Cross-border sellers")

    @property
    def slug(self) -> str:
        return self.value.replace("_", "-")

    @classmethod
    def from_slug(cls, slug: str) -> "SellerType | None":
        return next((kind for kind in cls if kind.slug == slug), None)

    @property
    def shop_value(self) -> str:
        return self.value.upper()

    @property
    def shop_label(self) -> "StrOrPromise":
        return SHOP_LABELS[self.value]

    @classmethod
    def from_shop_value(cls, value: str) -> "SellerType":
        """The kind a Seller Center value (LOCAL / CROSS_BORDER) spells; ValueError if none."""
        if value != value.upper():
            raise ValueError(value)
        return cls(value.lower())

    @classmethod
    def shop_choices(cls) -> list[tuple[str, "StrOrPromise"]]:
        return [(kind.shop_value, kind.shop_label) for kind in cls]


# One shop's seller type, as Seller Center words it.
SHOP_LABELS = {"local": _("Local seller"), "cross_border": _("Cross-border seller")}


# The login domain of sandbox test accounts: `.invalid` is reserved (RFC 2606), so no real
# seller can ever own an address there, and sign-up refuses it.
TEST_LOGIN_DOMAIN = "sandbox.invalid"


def is_test_login(login: str) -> bool:
    return (login or "").strip().lower().endswith(f"@{TEST_LOGIN_DOMAIN}")


class SellerAccountQuerySet(models.QuerySet["SellerAccount"]):
    def real(self):
        """Real sellers: not a developer's sandbox test account."""
        return self.filter(test_owner=None)

    def tests_of(self, owner_id: int):
        """The sandbox test accounts of one developer account, oldest first."""
        return self.filter(test_owner_id=owner_id).order_by("created_at", "pk")

    def by_login(self, login: str):
        """Accounts whose login is `login`: an email (any case) or a phone in E.164."""
        login = (login or "").strip()
        if "@" in login:
            return self.filter(email__iexact=login)
        phone = to_phone(login)
        if not isinstance(phone, PhoneNumber) or not phone.is_valid():
            return self.none()
        return self.filter(phone=phone.as_e164)


class SellerAccount(models.Model):
    """A Seller Center login: email and/or phone, a hashed password and a KYC/KYB status."""

    email = models.EmailField(_("login email"), null=True, blank=True, unique=True)
    phone = PhoneNumberField(_("login phone"), null=True, blank=True, unique=True)
    password = models.CharField(_("password"), max_length=128)
    name = models.CharField(_("display name"), max_length=120)
    region = models.CharField(
        _("base region"), max_length=2, help_text=_("Two-letter code, e.g. US, UK, CN.")
    )
    kyc_status = models.CharField(
        _("KYC/KYB status"), max_length=8, choices=KycStatus.choices, default=KycStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A sandbox test account: made by a developer on the developer console, it may authorize
    # that developer's apps only and never counts as a real seller anywhere. Null: real.
    test_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="test_seller_accounts",
        verbose_name=_("test account of"),
    )

    objects = SellerAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("seller account")
        verbose_name_plural = _("seller accounts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="sellers_account_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(phone__isnull=False),
                name="sellers_account_has_login",
            ),
            models.CheckConstraint(
                condition=models.Q(kyc_status__in=KycStatus.values),
                name="sellers_account_kyc_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.email or self.phone})"

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        def upgrade(raw: str) -> None:
            # A stronger hasher became the default: store the password hashed with it.
            self.set_password(raw)
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, upgrade)

    @property
    def kyc_passed(self) -> bool:
        return self.kyc_status == KycStatus.PASSED

    @property
    def is_test(self) -> bool:
        return self.test_owner_id is not None


def new_cipher() -> str:
    # Seller Center hands out an opaque per-shop cipher that API calls carry (`shop_cipher`).
    return f"GCP_{secrets.token_urlsafe(24)}"


class Shop(models.Model):
    account = models.ForeignKey(
        SellerAccount, on_delete=models.CASCADE, related_name="shops", verbose_name=_("seller")
    )
    shop_id = models.CharField(_("shop id"), max_length=32, unique=True)
    name = models.CharField(_("shop name"), max_length=120)
    region = models.CharField(_("market"), max_length=2, help_text=_("Market code, e.g. US."))
    seller_type = models.CharField(
        _("seller type"),
        max_length=12,
        choices=SellerType.shop_choices(),
        default=SellerType.LOCAL.shop_value,
    )
    cipher = models.CharField(_("cipher"), max_length=64, unique=True, default=new_cipher)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seller_type__in=[kind.shop_value for kind in SellerType]),
                name="sellers_shop_seller_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.shop_id})"

    @property
    def is_test(self) -> bool:
        """A sandbox test shop: its account is a developer's test account."""
        return self.account.is_test
