"""SPEC §2.5, the market rules, in one place. Every entry point that records a partner's
registration region, target markets or categories calls `check_selection`."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Center, Market, PartnerType, Region, ServiceCategory

MAX_CATEGORIES_PER_APPLICATION = 4  # SPEC §3.2


def regions_for(center: str):
    """US center: United States only. Global center: everyone else."""
    regions = Region.objects.select_related("local_market")
    if center == Center.US:
        return regions.filter(code="US")
    return regions.exclude(code="US")


def markets_for(*, center: str, region: Region, partner_type: PartnerType) -> list[Market]:
    """The target markets a partner of this type, registered in `region`, may choose."""
    if center == Center.US:
        return [region.local_market] if region.code == "US" and region.local_market else []
    if region.code == "US":
        return []  # US-licensed partners targeting US sellers belong to the US center
    if region.local_market:
        return [region.local_market]
    if region.is_cross_border:
        return list(partner_type.cross_border_markets.all())
    return []


def categories_for(*, region: Region, market: Market, partner_type: PartnerType):
    """Categories open to new applications for this (region, market, partner type)."""
    qs = ServiceCategory.objects.open_for_applications().filter(
        partner_types=partner_type, markets=market
    )
    if region.is_cross_border:
        return qs.filter(open_to_cross_border=True)
    return qs.filter(open_to_local=True)


def _open_in(category: ServiceCategory, region: Region) -> bool:
    return category.open_to_cross_border if region.is_cross_border else category.open_to_local


@dataclass
class Offer:
    """What Get Started may offer one partner: the regions, the markets each region may
    target, and for each category the (region, market) pairs it is open for, less the
    (category, market) pairs the partner applied for already. Pages narrow their choices
    with it as the partner picks; `check_selection` still decides what is posted."""

    regions: list[Region]
    markets: list[Market]
    markets_by_region: dict[int, list[Market]]
    categories: list[ServiceCategory]
    pairs: dict[int, set[tuple[int, int]]]


def offer_for(
    *,
    center: str,
    partner_type: PartnerType,
    taken: Iterable[tuple[int, int]] = (),
    own_market: Market | None = None,
) -> Offer:
    """The choices open to a partner of `partner_type` on `center` (SPEC §2.5). `taken`:
    (category id, market id) already applied for; `own_market`: a seller developer's shop
    market, the only one it may target (SPEC §4.6)."""
    taken = set(taken)
    regions = list(regions_for(center))
    markets_by_region = {}
    for region in regions:
        allowed = markets_for(center=center, region=region, partner_type=partner_type)
        if own_market is not None:
            allowed = [m for m in allowed if m.pk == own_market.pk]
        markets_by_region[region.pk] = allowed
    markets = sorted(
        {m.pk: m for ms in markets_by_region.values() for m in ms}.values(),
        key=lambda m: (m.position, m.code),
    )
    categories = list(partner_type.categories.open_for_applications().prefetch_related("markets"))
    pairs = {}
    for category in categories:
        in_markets = {m.pk for m in category.markets.all()}
        pairs[category.pk] = {
            (region.pk, market.pk)
            for region in regions
            if _open_in(category, region)
            for market in markets_by_region[region.pk]
            if market.pk in in_markets and (category.pk, market.pk) not in taken
        }
    categories = [c for c in categories if pairs[c.pk]]
    return Offer(regions, markets, markets_by_region, categories, pairs)


def check_selection(
    *,
    center: str,
    partner_type: PartnerType,
    region: Region,
    markets: Iterable[Market],
    categories: Iterable[ServiceCategory],
    own_market: Market | None = None,
) -> None:
    """Raise ValidationError (keyed by field) unless the selection obeys SPEC §2.5; with
    `own_market`, a seller developer targets its own shop's market only (SPEC §4.6)."""
    markets = list(markets)
    categories = list(categories)
    errors: dict[str, list[str]] = {}
    if own_market is not None:
        for market in markets:
            if market.pk != own_market.pk:
                errors.setdefault("markets", []).append(
                    _(
                        "A seller in-house developer builds for its own shop, in %(market)s; "
                        "%(chosen)s is not allowed."
                    )
                    % {"market": own_market.display_name, "chosen": market.display_name}
                )
        markets = [m for m in markets if m.pk == own_market.pk] or markets

    if not regions_for(center).filter(pk=region.pk).exists():
        if center == Center.US:
            errors.setdefault("region", []).append(
                _("The US Partner Center is for companies registered in the United States.")
            )
        else:
            errors.setdefault("region", []).append(
                _(
                    "Companies registered in the United States serving US sellers apply on "
                    "the US Partner Center."
                )
            )

    allowed = {m.pk for m in markets_for(center=center, region=region, partner_type=partner_type)}
    if not markets:
        errors.setdefault("markets", []).append(_("Choose at least one target market."))
    for market in markets:
        if market.pk in allowed:
            continue
        if region.local_market:
            message = _(
                "Local partners can only target their own market (%(market)s); "
                "%(chosen)s is not allowed."
            ) % {"market": region.local_market.display_name, "chosen": market.display_name}
        else:
            message = _(
                "%(chosen)s is not open to cross-border %(type)s partners from %(region)s."
            ) % {
                "chosen": market.display_name,
                "type": partner_type.display_name,
                "region": region.display_name,
            }
        errors.setdefault("markets", []).append(message)

    if not categories:
        errors.setdefault("categories", []).append(_("Choose at least one business category."))
    if len(categories) > MAX_CATEGORIES_PER_APPLICATION:
        errors.setdefault("categories", []).append(
            _("You can apply for at most %(max)s categories at a time; you chose %(n)s.")
            % {"max": MAX_CATEGORIES_PER_APPLICATION, "n": len(categories)}
        )
    for category in categories:
        if category.discontinued:
            errors.setdefault("categories", []).append(
                _("%(category)s is discontinued and no longer accepts applications.")
                % {"category": category}
            )
            continue
        for market in markets:
            if (
                market.pk in allowed
                and not categories_for(region=region, market=market, partner_type=partner_type)
                .filter(pk=category.pk)
                .exists()
            ):
                errors.setdefault("categories", []).append(
                    _("%(category)s is not available for %(type)s partners in %(market)s.")
                    % {
                        "category": category,
                        "type": partner_type.display_name,
                        "market": market.display_name,
                    }
                )
    if errors:
        raise ValidationError(errors)
