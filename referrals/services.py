"""SPEC §5: creating, publishing and deactivating the shop registration service, and
attributing sellers who sign up through its links.

Locking for service transitions lives here, and only here: each action locks the service row
before changing it, so two tabs publishing and deactivating at once are serialised.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Module, ensure
from categories.models import Market, Region, ServiceCategory
from reviews import services as reviews
from sellers.directory import get_directory
from sellers.models import SellerType

from . import tracking
from .models import (
    ReferralLink,
    ReferralSignup,
    ServiceState,
    ServiceType,
    ShopRegistrationService,
    shop_registration_applications,
)

NOT_APPROVED = _(
    "The shop registration service needs an approved “Shop registration” service category "
    "for this target market. Apply for it in My Account › Profile › Service category "
    "(+ Category & market), then come back once it is approved."
)
PUBLIC_NOT_AVAILABLE = _("Public shop registration services are not available now.")


class ServiceActionRefused(Exception):
    """A publish or deactivate that cannot happen; the message says why."""


def can_create_service(user: User) -> bool:
    """`user` is the partner account (a member's `holder`)."""
    return shop_registration_applications(user).exists()


def create_service(
    *,
    user: User,
    category: ServiceCategory,
    market: Market,
    name: str,
    description: str,
    contact_email: str,
    service_type: str = ServiceType.CUSTOM,
) -> ShopRegistrationService:
    """Create a draft custom service of the partner account `user` acts for (SPEC §5.2, a
    member needs Shop registration, §8.3). Raises ValidationError keyed by field."""
    owner = ensure(user, Module.SHOP_REGISTRATION)
    user.ensure_can_write()
    if service_type != ServiceType.CUSTOM:
        raise ValidationError({"service_type": PUBLIC_NOT_AVAILABLE})
    granted = shop_registration_applications(owner).filter(category=category, market=market)
    if not granted.exists():
        raise ValidationError(NOT_APPROVED, code="not_approved")
    service = ShopRegistrationService(
        partner=owner,
        service_type=service_type,
        category=category,
        market=market,
        name=name,
        description=description,
        contact_email=contact_email,
    )
    service.full_clean(exclude=["state"])  # protected: only transitions set it
    with transaction.atomic():
        service.save()
    return service


def publish_service(*, service_id: int, by: User) -> ShopRegistrationService:
    """Turn the service On (SPEC §5.3). The first publish issues the two links; later ones
    reuse them, so the URLs never change (SPEC §5.4)."""
    owner = ensure(by, Module.SHOP_REGISTRATION)
    by.ensure_can_write()
    with transaction.atomic():
        service = (
            ShopRegistrationService.objects.select_for_update()
            .select_related("market")
            .get(pk=service_id, partner=owner)
        )
        if service.state == ServiceState.ON:
            return service  # publishing twice (double click) is not an error
        granted = shop_registration_applications(owner).filter(
            category_id=service.category_id, market_id=service.market_id
        )
        if not granted.exists():
            raise ServiceActionRefused(NOT_APPROVED)
        reviews.transition(service, "publish", by=by)
        for kind in SellerType:
            ReferralLink.objects.get_or_create(service=service, seller_type=kind)
        _refresh_links_on_commit(service)
    return service


def deactivate_service(*, service_id: int, by: User) -> ShopRegistrationService:
    """Turn the service Off: its links show "not available" until it is published again."""
    owner = ensure(by, Module.SHOP_REGISTRATION)
    by.ensure_can_write()
    with transaction.atomic():
        service = ShopRegistrationService.objects.select_for_update().get(
            pk=service_id, partner=owner
        )
        if service.state == ServiceState.OFF:
            return service
        if service.state != ServiceState.ON:
            raise ServiceActionRefused(_("Only a published service can be deactivated."))
        reviews.transition(service, "deactivate", by=by)
        _refresh_links_on_commit(service)
    return service


def _refresh_links_on_commit(service: ShopRegistrationService) -> None:
    """Once the change commits, the redirect cache learns the links' new state (a cache
    that is down costs nothing: the redirect then reads the database)."""
    transaction.on_commit(partial(tracking.refresh_service_links, service.pk), robust=True)


def signup_regions() -> list[tuple[str, str]]:
    """Where a seller signing up through a link may say its business is based: the
    catalog's registration regions (SPEC §2.4), as (code, name) choices."""
    return [(region.code, region.display_name) for region in Region.objects.all()]


def active_link(token: str) -> ReferralLink | None:
    """The link behind `token` if its service is On, else None."""
    if not token or len(token) > tracking.MAX_TOKEN_LENGTH:
        return None
    return (
        ReferralLink.objects.select_related(
            "service", "service__market", "service__partner__company_entity"
        )
        .filter(token=token, service__state=ServiceState.ON)
        .first()
    )


def attribute_signup(*, token: str, seller_account_id: str) -> ReferralSignup | None:
    """Credit a new seller to the link they came through (SPEC §5.5).

    Only a link of a service that is On attributes. A seller is attributed once: the unique
    seller account id decides, even if two sign-up requests race.
    """
    link = active_link(token)
    if link is None:
        return None
    # A developer's sandbox test account is never a seller to credit (SPEC §9.1).
    account = get_directory().get_account(str(seller_account_id))
    if account is not None and account.is_test:
        return None
    try:
        with transaction.atomic():
            signup, _created = ReferralSignup.objects.get_or_create(
                seller_account_id=str(seller_account_id), defaults={"link": link}
            )
    except IntegrityError:
        signup = ReferralSignup.objects.get(seller_account_id=str(seller_account_id))
    return signup
