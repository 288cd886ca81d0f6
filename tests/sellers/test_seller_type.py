import pytest

from sellers.models import SellerType, Shop


def test_one_seller_type_spelled_for_partner_center_and_for_seller_center():
    assert [(kind.value, kind.slug, kind.shop_value) for kind in SellerType] == [
        ("local", "local", "LOCAL"),
        ("cross_border", "cross-border", "CROSS_BORDER"),
    ]
    assert SellerType.from_shop_value("CROSS_BORDER") is SellerType.CROSS_BORDER
    assert SellerType.from_slug("cross-border") is SellerType.CROSS_BORDER


def test_a_shop_stores_the_seller_center_spelling():
    assert [value for value, _label in Shop._meta.get_field("seller_type").choices] == [
        "LOCAL",
        "CROSS_BORDER",
    ]
    with pytest.raises(ValueError, match="local"):
        SellerType.from_shop_value("local")
