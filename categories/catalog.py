"""The catalog as shipped (SPEC §2). `seed()` writes it; running it again changes nothing.

Ops may edit the rows in admin afterwards; `seed()` only (re)sets the fields listed here.
"""

from django.db import transaction

from .models import Market, PartnerRole, PartnerType, Region, ServiceCategory, Track

MARKETS = [
    ("US", "United States"),
    ("UK", "United Kingdom"),
    ("MY", "Malaysia"),
    ("VN", "Vietnam"),
    ("TH", "Thailand"),
    ("PH", "Philippines"),
    ("SG", "Singapore"),
    ("ES", "Spain"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("IT", "Italy"),
    ("JP", "Japan"),
]
ALL_MARKETS = [code for code, _ in MARKETS]
CROSS_BORDER_DEVELOPER_MARKETS = ["UK", "MY", "VN", "TH", "PH", "SG"]

# Local regions carry the code of the market they serve; CN and HK are cross-border.
CROSS_BORDER_REGIONS = [("CN", "Chinese mainland"), ("HK", "Hong Kong, China")]

ROLES = [
    ("creator-service-partner", "Creator Service Partner", Track.SERVICE_PARTNER),
    ("seller-service-partner", "Seller Service Partner", Track.SERVICE_PARTNER),
    ("creator-matchmaking", "Seller Service - Creator Matchmaking", Track.SERVICE_PARTNER),
    ("tiktok-shop-partner", "TikTok Shop Partner", Track.SERVICE_PARTNER),
    ("app-developer", "App developer", Track.DEVELOPER),
    ("seller-inhouse-developer", "Seller in-house developer", Track.DEVELOPER),
]

PARTNER_TYPES = [
    (
        "cap",
        "Creator Agency Partner (CAP)",
        Track.SERVICE_PARTNER,
        "Agencies that recruit, manage and grow TikTok Shop creators.",
        ALL_MARKETS,
    ),
    (
        "mcn",
        "MCN",
        Track.SERVICE_PARTNER,
        "Multi-channel networks managing creators at scale.",
        ALL_MARKETS,
    ),
    (
        "tap",
        "TikTok Shop Affiliate Partner (TAP)",
        Track.SERVICE_PARTNER,
        "Partners that match sellers with affiliate creators.",
        ALL_MARKETS,
    ),
    (
        "tsp",
        "TikTok Shop Partner (TSP) / service provider",
        Track.SERVICE_PARTNER,
        "Service providers that run shops, LIVE, short video and shop registration for sellers.",
        ALL_MARKETS,
    ),
    (
        "isv",
        "App developer or system integrator (ISV)",
        Track.DEVELOPER,
        "Build public or custom apps on the TikTok Shop Open API for many sellers.",
        CROSS_BORDER_DEVELOPER_MARKETS,
    ),
    (
        "seller",
        "TikTok Shop Seller (seller in-house developer)",
        Track.DEVELOPER,
        "Sellers building custom apps for their own shop.",
        CROSS_BORDER_DEVELOPER_MARKETS,
    ),
]

# code, first level, secondary, role, partner types, markets, local, cross-border,
# discontinued, grants shop registration
CATEGORIES = [
    ("creator-management", "Creator Service", "Creator Management", "creator-service-partner",
     ["cap", "mcn"], ALL_MARKETS, True, True, False, False),
    ("mass-recruiting", "Creator Service", "Mass Recruiting", "creator-service-partner",
     ["cap", "mcn"], ALL_MARKETS, True, True, True, False),
    ("mass-tutoring", "Creator Service", "Mass Tutoring", "creator-service-partner",
     ["cap", "mcn"], ALL_MARKETS, True, True, True, False),
    ("shop-management", "Seller Service", "Shop Management", "seller-service-partner",
     ["tsp"], ALL_MARKETS, True, True, False, False),
    ("live-management", "Seller Service", "LIVE Management", "seller-service-partner",
     ["tsp", "cap", "mcn"], ALL_MARKETS, True, True, False, False),
    ("short-video-management", "Seller Service", "Short Video Management",
     "seller-service-partner", ["tsp", "cap", "mcn"], ALL_MARKETS, True, True, False, False),
    ("seller-affiliate-management", "Seller Service", "Seller affiliate Management",
     "seller-service-partner", ["tsp", "tap"], ALL_MARKETS, True, True, False, False),
    ("seller-shop-registration", "Seller Service", "Shop registration", "seller-service-partner",
     ["tsp"], ["US"], True, True, False, True),
    ("paid-media", "Seller Service", "Paid Media", "seller-service-partner",
     ["tsp", "tap"], ALL_MARKETS, True, True, True, False),
    ("creator-matchmaking", "Seller Service", "Creator matchmaking", "creator-matchmaking",
     ["tap", "tsp"], ALL_MARKETS, True, True, False, False),
    ("outsourced-shop-registration", "TikTok Shop Partner",
     "Outsourced Operations › Shop registration", "tiktok-shop-partner",
     ["tsp"], ["US"], True, True, False, True),
    ("isv-order-management", "App developer (ISV)", "Order management", "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("isv-product-management", "App developer (ISV)", "Product management", "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("isv-customer-service", "App developer (ISV)", "Customer service", "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("isv-marketing", "App developer (ISV)", "Marketing", "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("isv-erp", "App developer (ISV)", "ERP and multi-channel", "app-developer",
     ["isv"], ALL_MARKETS, True, True, False, False),
    ("tiktok-shop-seller", "Seller inhouse developer", "TikTok Shop Seller",
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
    for position, (code, name, track) in enumerate(ROLES):
        roles[code], new = PartnerRole.objects.update_or_create(
            code=code, defaults={"name": name, "track": track, "position": position}
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
