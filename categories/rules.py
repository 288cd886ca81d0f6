"""SPEC §2.5, the market rules, in one place. Every entry point that records a partner's
registration region, target markets or categories calls `check_selection`."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import Center

from .models import Market, PartnerType, Region, ServiceCategory

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
        return [region.local_market] if region.code == "US" else []
    if region.code == "US":
        return []  # US-licensed partners targeting US sellers belong to the US center
    if region.local_market_id:
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


def check_selection(
    *,
    center: str,
    partner_type: PartnerType,
    region: Region,
    markets: Iterable[Market],
    categories: Iterable[ServiceCategory],
) -> None:
    """Raise ValidationError (keyed by field) unless the selection obeys SPEC §2.5."""
    markets = list(markets)
    categories = list(categories)
    errors: dict[str, list[str]] = {}

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
        if region.local_market_id:
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
