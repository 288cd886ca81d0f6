"""SPEC §2.5, row by row: (center, region, partner type) → the markets that may be chosen."""

import pytest
from django.core.exceptions import ValidationError

from categories.catalog import ALL_MARKETS, CROSS_BORDER_DEVELOPER_MARKETS
from categories.models import Center, Market, PartnerType, Region, ServiceCategory
from categories.rules import check_selection, markets_for, regions_for

NON_US_MARKETS = [m for m in ALL_MARKETS if m != "US"]

RULES = [
    # Local partners: their own market only.
    *[(Center.GLOBAL, code, "tsp", [code]) for code in NON_US_MARKETS],
    *[(Center.GLOBAL, code, "isv", [code]) for code in NON_US_MARKETS],
    # Cross-border service partners: every market.
    (Center.GLOBAL, "CN", "tsp", ALL_MARKETS),
    (Center.GLOBAL, "HK", "cap", ALL_MARKETS),
    (Center.GLOBAL, "CN", "mcn", ALL_MARKETS),
    (Center.GLOBAL, "HK", "tap", ALL_MARKETS),
    # Cross-border developers: UK, MY, VN, TH, PH, SG.
    (Center.GLOBAL, "CN", "isv", CROSS_BORDER_DEVELOPER_MARKETS),
    (Center.GLOBAL, "HK", "isv", CROSS_BORDER_DEVELOPER_MARKETS),
    # US Partner Center: US region, US market, nothing else.
    (Center.US, "US", "tsp", ["US"]),
    (Center.US, "US", "isv", ["US"]),
    (Center.US, "CN", "tsp", []),
    (Center.US, "UK", "cap", []),
    # US-licensed partners serving US sellers belong on the US center.
    (Center.GLOBAL, "US", "tsp", []),
]


@pytest.mark.parametrize(("center", "region", "partner_type", "expected"), RULES)
def test_markets_a_partner_may_target(db, center, region, partner_type, expected):
    markets = markets_for(
        center=center,
        region=Region.objects.get(code=region),
        partner_type=PartnerType.objects.get(code=partner_type),
    )

    assert sorted(m.code for m in markets) == sorted(expected)


def test_us_center_offers_only_the_us_region(db):
    assert [r.code for r in regions_for(Center.US)] == ["US"]
    assert "US" not in {r.code for r in regions_for(Center.GLOBAL)}
    assert {"CN", "HK", "UK"} <= {r.code for r in regions_for(Center.GLOBAL)}


def selection(*, center=Center.GLOBAL, region, partner_type, markets, categories):
    return {
        "center": center,
        "region": Region.objects.get(code=region),
        "partner_type": PartnerType.objects.get(code=partner_type),
        "markets": list(Market.objects.filter(code__in=markets)),
        "categories": list(ServiceCategory.objects.filter(code__in=categories)),
    }


def test_local_partner_targeting_another_market_is_refused(db):
    with pytest.raises(ValidationError) as exc:
        check_selection(
            **selection(region="UK", partner_type="tsp", markets=["UK", "DE"],
                        categories=["shop-management"])
        )  # fmt: skip

    assert "Local partners can only target their own market (United Kingdom)" in str(exc.value)


def test_cross_border_developer_cannot_target_us(db):
    with pytest.raises(ValidationError) as exc:
        check_selection(
            **selection(region="CN", partner_type="isv", markets=["US"],
                        categories=["isv-order-management"])
        )  # fmt: skip

    assert "United States is not open to cross-border" in str(exc.value)


def test_valid_cross_border_selection_passes(db):
    check_selection(
        **selection(region="HK", partner_type="tsp", markets=["US", "UK"],
                    categories=["shop-management", "live-management"])
    )  # fmt: skip


def test_discontinued_categories_are_refused(db):
    with pytest.raises(ValidationError) as exc:
        check_selection(
            **selection(region="UK", partner_type="cap", markets=["UK"],
                        categories=["mass-recruiting"])
        )  # fmt: skip

    assert "discontinued" in str(exc.value)


def test_a_fifth_category_is_refused(db):
    five = ["shop-management", "live-management", "short-video-management",
            "seller-affiliate-management", "creator-matchmaking"]  # fmt: skip

    with pytest.raises(ValidationError) as exc:
        check_selection(**selection(region="CN", partner_type="tsp", markets=["UK"],
                                    categories=five))  # fmt: skip

    assert "at most 4 categories" in str(exc.value)


def test_category_not_offered_to_the_partner_type_is_refused(db):
    with pytest.raises(ValidationError) as exc:
        check_selection(
            **selection(region="UK", partner_type="cap", markets=["UK"],
                        categories=["isv-order-management"])
        )  # fmt: skip

    assert "not available for Creator Agency Partner (CAP) partners in United Kingdom" in str(
        exc.value
    )


def test_shop_registration_is_us_only(db):
    with pytest.raises(ValidationError):
        check_selection(
            **selection(region="CN", partner_type="tsp", markets=["UK"],
                        categories=["outsourced-shop-registration"])
        )  # fmt: skip
    check_selection(
        **selection(center=Center.US, region="US", partner_type="tsp", markets=["US"],
                    categories=["outsourced-shop-registration"])
    )  # fmt: skip


def test_rules_follow_catalog_data_edited_in_admin(db):
    # given ops open Japan to cross-border developers in admin
    isv = PartnerType.objects.get(code="isv")
    isv.cross_border_markets.add(Market.objects.get(code="JP"))

    # when
    markets = markets_for(center=Center.GLOBAL, region=Region.objects.get(code="CN"),
                          partner_type=isv)  # fmt: skip

    # then
    assert "JP" in {m.code for m in markets}
