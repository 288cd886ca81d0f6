"""The catalog as shipped (SPEC §2). `seed()` writes it; running it again changes nothing.

Ops may edit the rows in admin afterwards; `seed()` only (re)sets the fields listed here.
"""

from django.db import transaction
from django.utils.translation import gettext_noop as _

from .models import Market, PartnerRole, PartnerType, Region, ServiceCategory, Track

# The names are stored in English; `_` only marks them for makemessages, and the models'
# `display_name` translates them when they are shown.
MARKETS = [
    ("US", _("United States")),
    ("UK", _("United Kingdom")),
    ("MY", _("Malaysia")),
    ("VN", _("Vietnam")),
    ("TH", _("Thailand")),
    ("PH", _("Philippines")),
    ("SG", _("Singapore")),
    ("ES", _("Spain")),
    ("DE", _("Germany")),
    ("FR", _("France")),
    ("IT", _("Italy")),
    ("JP", _("Japan")),
]
ALL_MARKETS = [code for code, _name in MARKETS]
CROSS_BORDER_DEVELOPER_MARKETS = ["UK", "MY", "VN", "TH", "PH", "SG"]

# Local regions carry the code of the market they serve; CN and HK are cross-border.
CROSS_BORDER_REGIONS = [("CN", _("Chinese mainland")), ("HK", _("Hong Kong, China"))]

# code, name, track, publishes public apps, builds for its own shop only
ROLES = [
    ("creator-service-partner", _("Creator Service Partner"), Track.SERVICE_PARTNER, False, False),
    ("seller-service-partner", _("Seller Service Partner"), Track.SERVICE_PARTNER, False, False),
    ("creator-matchmaking", _("Seller Service - Creator Matchmaking"), Track.SERVICE_PARTNER,
     False, False),
    ("tiktok-shop-partner", _("TikTok Shop Partner"), Track.SERVICE_PARTNER, False, False),
    ("app-developer", _("App developer"), Track.DEVELOPER, True, False),
    ("seller-inhouse-developer", _("Seller in-house developer"), Track.DEVELOPER, False, True),
]  # fmt: skip

PARTNER_TYPES = [
    (
        "cap",
        _("Creator Agency Partner (CAP)"),
        Track.SERVICE_PARTNER,
        _("Agencies that recruit, manage and grow TikTok Shop creators."),
        ALL_MARKETS,
    ),
    (
        "mcn",
        _("MCN"),
        Track.SERVICE_PARTNER,
        _("Multi-channel networks managing creators at scale."),
        ALL_MARKETS,
    ),
    (
        "tap",
        _("TikTok Shop Affiliate Partner (TAP)"),
        Track.SERVICE_PARTNER,
        _("Partners that match sellers with affiliate creators."),
        ALL_MARKETS,
    ),
    (
        "tsp",
        _("TikTok Shop Partner (TSP) / service provider"),
        Track.SERVICE_PARTNER,
        _("Service providers that run shops, LIVE, short video and shop registration for sellers."),
        ALL_MARKETS,
    ),
    (
        "isv",
        _("App developer or system integrator (ISV)"),
        Track.DEVELOPER,
        _("Build public or custom apps on the TikTok Shop Open API for many sellers."),
        CROSS_BORDER_DEVELOPER_MARKETS,
    ),
    (
        "seller",
        _("TikTok Shop Seller (seller in-house developer)"),
        Track.DEVELOPER,
        _("Sellers building custom apps for their own shop."),
        CROSS_BORDER_DEVELOPER_MARKETS,
    ),
]

# code, first level, secondary, role, partner types, markets, local, cross-border,
# discontinued, grants shop registration
CATEGORIES = [
    ("creator-management", _("Creator Service"), _("Creator Management"), "creator-service-partner",
     ["cap", "mcn"], ALL_MARKETS, True, True, False, False),
    ("mass-recruiting", _("Creator Service"), _("Mass Recruiting"), "creator-service-partner",
     ["cap", "mcn"], ALL_MARKETS, True, True, True, False),
    ("mass-tutoring", _("Creator Service"), _("Mass Tutoring"), "creator-service-partner",
     ["cap", "mcn"], ALL_MARKETS, True, True, True, False),
    ("shop-management", _("Seller Service"), _("Shop Management"), "seller-service-partner",
     ["tsp"], ALL_MARKETS, True, True, False, False),
    ("live-management", _("Seller Service"), _("LIVE Management"), "seller-service-partner",
     ["tsp", "cap", "mcn"], ALL_MARKETS, True, True, False, False),
    ("short-video-management", _("Seller Service"), _("Short Video Management"),
     "seller-service-partner", ["tsp", "cap", "mcn"], ALL_MARKETS, True, True, False, False),
    ("seller-affiliate-management", _("Seller Service"), _("Seller affiliate Management"),
     "seller-service-partner", ["tsp", "tap"], ALL_MARKETS, True, True, False, False),
    ("seller-shop-registration", _("Seller Service"), _("Shop registration"),
     "seller-service-partner", ["tsp"], ["US"], True, True, False, True),
    ("paid-media", _("Seller Service"), _("Paid Media"), "seller-service-partner",
     ["tsp", "tap"], ALL_MARKETS, True, True, True, False),
    ("creator-matchmaking", _("Seller Service"), _("Creator matchmaking"), "creator-matchmaking",
     ["tap", "tsp"], ALL_MARKETS, True, True, False, False),
    ("outsourced-shop-registration", _("TikTok Shop Partner"),
     _("Outsourced Operations › Shop registration"), "tiktok-shop-partner",
     ["tsp"], ["US"], True, True, False, True),
    ("isv-order-management", _("App developer (ISV)"), _("Order management"), "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("isv-product-management", _("App developer (ISV)"), _("Product management"), "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("isv-customer-service", _("App developer (ISV)"), _("Customer service"), "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("isv-marketing", _("App developer (ISV)"), _("Marketing"), "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("isv-erp", _("App developer (ISV)"), _("ERP and multi-channel"), "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("tiktok-shop-seller", _("Seller inhouse developer"), _("TikTok Shop Seller"),
     "seller-inhouse-developer", ["seller"], ALL_MARKETS, True, True, False, False),
]  # fmt: skip


@transaction.atomic
def seed() -> dict[str, int]:
    """Create or update every shipped row; return how many rows of each kind were created."""
    created = {"markets": 0, "regions": 0, "roles": 0, "partner_types": 0, "categories": 0}
    markets = {}
    for position, (code, name) in enumerate(MARKETS):
        markets[code], new = Market.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )
        created["markets"] += new
    for position, (code, name) in enumerate(MARKETS):
        _, new = Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "local_market": markets[code],
                "is_cross_border": False,
                "position": position,
            },
        )
        created["regions"] += new
    for position, (code, name) in enumerate(CROSS_BORDER_REGIONS, start=len(MARKETS)):
        _, new = Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "local_market": None,
                "is_cross_border": True,
                "position": position,
            },
        )
        created["regions"] += new
    roles = {}
    for position, (code, name, track, public_apps, own_shop) in enumerate(ROLES):
        roles[code], new = PartnerRole.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "track": track,
                "publishes_public_apps": public_apps,
                "builds_for_own_shop": own_shop,
                "position": position,
            },
        )
        created["roles"] += new
    types = {}
    for position, (code, name, track, description, cross_border) in enumerate(PARTNER_TYPES):
        types[code], new = PartnerType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "track": track,
                "description": description,
                "position": position,
            },
        )
        types[code].cross_border_markets.set([markets[m] for m in cross_border])
        created["partner_types"] += new
    for position, row in enumerate(CATEGORIES):
        (code, first, name, role, type_codes, market_codes, local, cross, discontinued,
         shop_registration) = row  # fmt: skip
        category, new = ServiceCategory.objects.update_or_create(
            code=code,
            defaults={
                "first_level": first,
                "name": name,
                "role": roles[role],
                "open_to_local": local,
                "open_to_cross_border": cross,
                "discontinued": discontinued,
                "grants_shop_registration": shop_registration,
                "position": position,
            },
        )
        category.partner_types.set([types[t] for t in type_codes])
        category.markets.set([markets[m] for m in market_codes])
        created["categories"] += new
    return created
