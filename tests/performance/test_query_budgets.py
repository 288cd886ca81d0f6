"""Query budgets: every list page runs as many SQL queries for 500 rows as for 5 (no N+1),
and no more than its budget. Rows are bulk-created: this is about the pages, not the rules.

Each test measures a page with 5 rows, adds 495, measures again and compares. Applications
are capped by the catalog: one per (category, market) for a partner.
"""

from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from apps_services import crypto
from apps_services.models import App, AppEvent
from categories.models import Market, PartnerType, Region, ServiceCategory
from compliance.models import ComplianceReview, ComplianceTransition
from notifications.models import Notification
from onboarding.models import (
    Application,
    CompanyEntity,
    State,
)
from open_api.models import Authorization, WebhookAttempt, WebhookDelivery
from referrals.models import (
    DailyClicks,
    ReferralLink,
    ReferralSignup,
    ServiceEvent,
    ShopRegistrationService,
)

SMALL, LARGE = 5, 500
STATES = [State.DRAFT, State.PENDING_REVIEW, State.APPROVED, State.REJECTED]
serial = count(1)


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def application(user, *, category, market, state=State.APPROVED, days_ago=1.0):
    now = timezone.now()
    decided = state in (State.APPROVED, State.REJECTED)
    return Application(
        user=user,
        partner_type=PartnerType.objects.get(code="isv"),
        region=Region.objects.get(code="UK"),
        category=category,
        market=market,
        state=state,
        service_plan="Weekly LIVE shows.",
        team_size=3,
        submitted_at=None if state == State.DRAFT else now - timedelta(days=days_ago),
        decided_at=now if decided else None,
        approved_at=now if state == State.APPROVED else None,
        rejection_reason="Unreadable certificate." if state == State.REJECTED else "",
    )


def entity(user, *, region="UK", n=0) -> CompanyEntity:
    return CompanyEntity(
        user=user,
        region=Region.objects.get(code=region),
        legal_name=f"Company {n} Ltd",
        partner_name=f"Partner {n}",
        registration_number=f"REG-{n}",
    )


class World:
    """Alice, an approved ISV with an app, a published shop registration service with its
    two links, and a compliance review; `grow_*` add rows behind one page."""

    def __init__(self, alice, rita):
        self.alice, self.rita = alice, rita
        entity(alice).save()
        self.isv = ServiceCategory.objects.get(code="isv-order-management")
        self.uk = Market.objects.get(code="UK")
        Application.objects.bulk_create(
            [application(alice, category=self.isv, market=self.uk, state=State.APPROVED)]
        )
        self.app = App.objects.create(
            owner=alice,
            app_type="custom",
            category=self.isv,
            market=self.uk,
            name="Order Sync",
            seller_type="local",
            app_key="benchappkey001",
            service_id="7000000000000000001",
            secret_encrypted=crypto.encrypt("s" * 40),
            webhook_url="https://example.com/hook",
        )
        shop = ServiceCategory.objects.get(code="outsourced-shop-registration")
        self.service = ShopRegistrationService.objects.create(
            partner=alice,
            category=shop,
            market=Market.objects.get(code="US"),
            name="Prairie Shop Setup",
            description="We open your shop.",
            contact_email="hello@prairie.example",
        )
        self.links = ReferralLink.objects.bulk_create(
            [
                ReferralLink(service=self.service, seller_type=kind)
                for kind in ("local", "cross_border")
            ]
        )
        self.review = ComplianceReview.objects.create(user=alice)

    def grow_applications(self, n):
        used = set(Application.objects.filter(user=self.alice).values_list("category", "market"))
        slots = [
            (category, market)
            for category in ServiceCategory.objects.all()
            for market in Market.objects.all()
            if (category.pk, market.pk) not in used
        ][:n]
        Application.objects.bulk_create(
            [
                application(self.alice, category=c, market=m, state=STATES[i % 4])
                for i, (c, m) in enumerate(slots)
            ]
        )

    def grow_notifications(self, n):
        Notification.objects.bulk_create(
            [
                Notification(
                    user=self.alice,
                    kind=Notification.Kind.APPLICATION_APPROVED,
                    title=f"Approved {i}",
                    body="Your application is approved.",
                    read_at=None if i % 2 else timezone.now(),
                )
                for i in range(n)
            ]
        )

    def grow_apps(self, n):
        App.objects.bulk_create(
            [
                App(
                    owner=self.alice,
                    app_type="custom",
                    category=self.isv,
                    market=self.uk,
                    name=f"App {i}",
                    seller_type="local",
                    app_key=f"k{next(serial):013d}",
                    service_id=f"8{next(serial):018d}",
                    secret_encrypted="x",
                )
                for i in range(n)
            ]
        )
        self.grow_services(n)

    def grow_events(self, n):
        AppEvent.objects.bulk_create(
            [
                AppEvent(app=self.app, by=self.alice if i % 2 else self.rita, kind="edited")
                for i in range(n)
            ]
        )

    def grow_authorizations(self, n):
        now = timezone.now()
        Authorization.objects.bulk_create(
            [
                Authorization(
                    app=self.app,
                    seller_account_id=f"seller-{i}",
                    seller_name="Seller",
                    seller_base_region="UK",
                    shop_id=f"{next(serial)}",
                    shop_name=f"Shop {i}",
                    shop_region="UK",
                    shop_cipher="GCP_x",
                    seller_type="LOCAL",
                    open_id=f"open-{i}",
                    expires_at=now + timedelta(days=100),
                    revoked_at=now if i % 3 == 0 else None,
                )
                for i in range(n)
            ]
        )

    def grow_webhooks(self, n):
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    app=self.app,
                    event_type=6,
                    notification_id=f"{next(serial):019d}",
                    shop_id="1",
                    body="{}",
                )
                for _i in range(n)
            ]
        )
        WebhookAttempt.objects.bulk_create(
            [
                WebhookAttempt(
                    delivery=d, number=k, url="https://example.com/hook", status_code=500
                )
                for d in deliveries
                for k in (1, 2)
            ]
        )

    def grow_services(self, n):
        ShopRegistrationService.objects.bulk_create(
            [
                ShopRegistrationService(
                    partner=self.alice,
                    category=self.service.category,
                    market=self.service.market,
                    name=f"Service {i}",
                    description="Shop setup.",
                    contact_email="hello@prairie.example",
                )
                for i in range(n)
            ]
        )

    def grow_service_events(self, n):
        ServiceEvent.objects.bulk_create(
            [
                ServiceEvent(
                    service=self.service, by=self.alice, name="publish", source="draft", target="on"
                )
                for _i in range(n)
            ]
        )

    def grow_clicks(self, n):
        today = timezone.now().date()
        days = DailyClicks.objects.filter(link__in=self.links).count() // 2
        DailyClicks.objects.bulk_create(
            [
                DailyClicks(link=link, day=today - timedelta(days=d), count=d + 1)
                for link in self.links
                for d in range(days, min(days + n, 30))
            ]
        )
        ReferralSignup.objects.bulk_create(
            [
                ReferralSignup(link=self.links[i % 2], seller_account_id=f"seller-{next(serial)}")
                for i in range(n)
            ]
        )

    def grow_compliance_history(self, n):
        ComplianceTransition.objects.bulk_create(
            [
                ComplianceTransition(
                    review=self.review,
                    by=self.alice if i % 2 else self.rita,
                    name="submit",
                    source="draft",
                    target="pending_review",
                )
                for i in range(n)
            ]
        )
        self.grow_applications(n)

    def grow_queue(self, n):
        """n partners, each with entity info and a pending application (the admin queue)."""
        users = User.objects.bulk_create(
            [User(email=f"queue{next(serial)}@example.com") for _i in range(n)]
        )
        regions = ["US", "UK", "MY"]
        CompanyEntity.objects.bulk_create(
            [entity(u, region=regions[i % 3], n=i) for i, u in enumerate(users)]
        )
        Application.objects.bulk_create(
            [
                application(
                    u, category=self.isv, market=self.uk, state=STATES[i % 4], days_ago=i % 10
                )
                for i, u in enumerate(users)
            ]
        )
        ComplianceReview.objects.bulk_create(
            [
                ComplianceReview(user=u, state="pending_review", submitted_at=timezone.now())
                for u in users
            ]
        )


@pytest.fixture
def world(alice, rita):
    return World(alice, rita)


# page: (URL, who looks, what grows, budget)
PAGES = {
    "dashboard": (lambda w: "/", "alice", "grow_applications", 7),
    "profile categories tab": (
        lambda w: "/my-account/profile/?tab=categories",
        "alice",
        "grow_applications",
        6,
    ),
    "profile entity tab": (
        lambda w: "/my-account/profile/?tab=entity",
        "alice",
        "grow_applications",
        7,
    ),
    "notifications": (lambda w: "/onboarding/notifications/", "alice", "grow_notifications", 5),
    "app list": (lambda w: "/apps/", "alice", "grow_apps", 7),
    "app detail": (lambda w: f"/apps/{w.app.pk}/", "alice", "grow_events", 8),
    "app authorized shops": (
        lambda w: f"/apps/{w.app.pk}/authorizations/",
        "alice",
        "grow_authorizations",
        7,  # + the account's test shops, marked TEST
    ),
    "app webhook log": (lambda w: f"/apps/{w.app.pk}/webhooks/", "alice", "grow_webhooks", 7),
    "referral services": (lambda w: "/referrals/", "alice", "grow_services", 7),
    "referral service detail": (
        lambda w: f"/referrals/{w.service.pk}/",
        "alice",
        "grow_service_events",
        7,
    ),
    "referral link analytics": (
        lambda w: f"/referrals/{w.service.pk}/links/",
        "alice",
        "grow_clicks",
        9,
    ),
    "compliance overview": (
        lambda w: "/onboarding/compliance/",
        "alice",
        "grow_compliance_history",
        12,
    ),
    "admin application queue": (
        lambda w: "/admin/onboarding/application/",
        "rita",
        "grow_queue",
        12,
    ),
    "admin application queue, pending": (
        lambda w: "/admin/onboarding/application/?state__exact=pending_review&age=old",
        "rita",
        "grow_queue",
        12,
    ),
    "admin application search": (
        lambda w: "/admin/onboarding/application/?q=company+ltd",
        "rita",
        "grow_queue",
        12,  # one query finds the partners (trigram indexes), whatever the words
    ),
    "admin compliance reviews": (
        lambda w: "/admin/compliance/compliancereview/",
        "rita",
        "grow_queue",
        12,
    ),
    "admin index chart": (lambda w: "/admin/", "rita", "grow_queue", 9),
}


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_as_many_queries_for_500_rows_as_for_5(
    page, client, world, django_assert_max_num_queries
):
    # given
    url_for, who, grow, budget = PAGES[page]
    client.force_login(getattr(world, who))
    getattr(world, grow)(SMALL)
    url = url_for(world)
    client.get(url)  # caches that fill once per process (content types, permissions)
    small = queries_of(client, url)

    # when
    getattr(world, grow)(LARGE - SMALL)
    with django_assert_max_num_queries(budget):
        large = queries_of(client, url)

    # then
    assert large == small, f"{page}: {small} queries for {SMALL} rows, {large} for {LARGE}"


def test_the_queue_page_lists_what_the_large_size_holds(client, world):
    """The budgets above measure real lists: the admin shows the rows it was given."""
    client.force_login(world.rita)
    world.grow_queue(120)
    page = client.get("/admin/onboarding/application/?state__exact=pending_review")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 30


# The partner pages with a shared cache (Redis in production): the shell's roles and the
# bell's unread count come from it, the dashboard's verified address from the session.
# Session (the database's, in tests) + user + the page's own queries.
CACHED_PARTNER_PAGES = {
    "/": 5,  # + the stepper's counts and latest applications, the business guide's types
    "/my-account/profile/?tab=categories": 3,  # + the applications
    "/apps/": 5,  # + the apps, the shop registration services and whether one may be made
}


@pytest.mark.parametrize("url", CACHED_PARTNER_PAGES)
def test_partner_pages_with_a_shared_cache_ask_the_database_only_for_their_content(
    url, settings, client, world, django_assert_max_num_queries
):
    # given
    settings.NOTIFICATION_UNREAD_CACHE_SECONDS = 60
    settings.PARTNER_ROLES_CACHE_SECONDS = 60
    client.force_login(world.alice)
    world.grow_notifications(SMALL)
    client.get(url)  # fills the cache and the session

    # when / then
    with django_assert_max_num_queries(CACHED_PARTNER_PAGES[url]):
        response = client.get(url)
    assert response.status_code == 200
