"""The reviewer queues and the partner pages stay within 12 SQL queries, whatever filter,
ordering or search the reviewer uses, on a queue big enough to show an N+1 (30 applications
of six partners); the search finds partners by company name, email or application id.

bench/pages.py measures the same pages over HTTP on a million applications.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from apps_services import crypto
from apps_services.models import App
from categories.models import Market, PartnerType, Region, ServiceCategory
from compliance.models import ComplianceReview
from onboarding.models import Application, CompanyEntity, State

QUEUE = "/admin/onboarding/application/"
COMPLIANCE = "/admin/compliance/compliancereview/"
BUDGET = 12
STATES = [State.PENDING_REVIEW, State.APPROVED, State.REJECTED, State.DRAFT, State.PENDING_REVIEW]
COMPANIES = [
    "Acme Trading Ltd",
    "Globex LIVE Commerce",
    "Initech Shop Services",
    "Umbrella Retail",
    "Hooli Media",
    "Vandelay Imports",
]


@pytest.fixture
def queue(alice):
    """Six partners (alice the first) with entity info, five applications each in every
    state, and a compliance review each."""
    now = timezone.now()
    isv = PartnerType.objects.get(code="isv")
    region = Region.objects.get(code="UK")
    slots = [(c, m) for c in ServiceCategory.objects.all()[:5] for m in Market.objects.all()[:1]]
    partners = [alice] + [
        User.objects.create_user(email=f"partner{i}@queue.example") for i in range(1, 6)
    ]
    applications = []
    for n, (partner, company) in enumerate(zip(partners, COMPANIES, strict=True)):
        CompanyEntity.objects.create(
            user=partner,
            region=region,
            legal_name=company,
            partner_name=f"{company.split()[0]} Partner",
            registration_number=f"REG-{n:04d}",
        )
        for k, (category, market) in enumerate(slots):
            state = STATES[k % len(STATES)]
            applications.append(
                Application(
                    user=partner,
                    partner_type=isv,
                    region=region,
                    category=category,
                    market=market,
                    state=state,
                    service_plan="Weekly LIVE shows.",
                    team_size=3,
                    submitted_at=None
                    if state == State.DRAFT
                    else now - timedelta(days=n + k, hours=n),
                    decided_at=now if state in (State.APPROVED, State.REJECTED) else None,
                    approved_at=now if state == State.APPROVED else None,
                )
            )
        ComplianceReview.objects.create(
            user=partner,
            state="pending_review" if n % 2 else "draft",
            submitted_at=now - timedelta(days=n) if n % 2 else None,
        )
    Application.objects.bulk_create(applications)
    App.objects.create(
        owner=alice,
        app_type="custom",
        category=slots[0][0],
        market=slots[0][1],
        name="Order Sync",
        seller_type="local",
        app_key="queueappkey001",
        service_id="7000000000000000009",
        secret_encrypted=crypto.encrypt("s" * 40),
    )
    return partners


def queries_of(client, url: str) -> int:
    client.get(url)  # caches filled once per process (content types, filter choices)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def listed(client, url: str) -> list[Application]:
    response = client.get(url)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


REVIEWER_PAGES = [
    "/admin/",
    QUEUE,
    QUEUE + "?state__exact=pending_review",
    QUEUE + "?state__exact=pending_review&age=old",
    QUEUE + "?state__exact=draft",
    QUEUE + "?state__exact=approved",
    QUEUE + "?market__id__exact=1",
    QUEUE + "?category__id__exact=1&state__exact=pending_review",
    QUEUE + "?region__id__exact=1",
    QUEUE + "?partner_type__id__exact=1",
    QUEUE + "?o=-3",
    QUEUE + "?o=5",
    QUEUE + "?q=acme+trad",
    QUEUE + "?q=partner3%40queue.example",
    QUEUE + "?q=42",
    COMPLIANCE,
    COMPLIANCE + "?state__exact=pending_review",
    COMPLIANCE + "?q=globex",
    "/admin/onboarding/companyentity/",
    "/admin/accounts/user/",
]


@pytest.mark.parametrize("url", REVIEWER_PAGES)
def test_every_queue_view_runs_at_most_12_queries(url, client, rita, queue):
    client.force_login(rita)
    assert queries_of(client, url) <= BUDGET


@pytest.mark.parametrize("url", ["/", "/my-account/profile/?tab=categories", "/apps/"])
def test_partner_pages_run_at_most_12_queries(url, client, queue):
    client.force_login(queue[0])
    assert queries_of(client, url) <= BUDGET


def test_the_admin_pages_skip_the_partner_shell(client, rita, queue):
    """The partner's menu and bell (two queries) are not drawn in Django admin."""
    client.force_login(rita)
    response = client.get(QUEUE)
    assert "unread_notifications" not in response.context
    assert "role_menu" not in response.context


def test_search_finds_a_company_by_a_case_insensitive_part_of_its_name(client, rita, queue):
    client.force_login(rita)
    found = listed(client, QUEUE + "?q=ACME+trad")
    assert found
    assert {a.user_id for a in found} == {queue[0].pk}
    found = listed(client, QUEUE + "?q=live+commerce")  # both words, any case
    assert {a.user_id for a in found} == {queue[1].pk}
    assert listed(client, QUEUE + "?q=acme+globex") == []  # every word must match


def test_search_finds_a_partner_by_email_or_registration_number(client, rita, queue):
    client.force_login(rita)
    assert {a.user_id for a in listed(client, QUEUE + "?q=partner3%40queue")} == {queue[3].pk}
    assert {a.user_id for a in listed(client, QUEUE + "?q=reg-0004")} == {queue[4].pk}


def test_search_finds_an_application_by_its_id(client, rita, queue):
    client.force_login(rita)
    wanted = Application.objects.exclude(state=State.DRAFT).order_by("pk")[7]
    assert listed(client, QUEUE + f"?q={wanted.pk}") == [wanted]
    assert listed(client, QUEUE + f"?q=%23{wanted.pk}") == [wanted]


def test_the_compliance_queue_search_finds_the_company(client, rita, queue):
    client.force_login(rita)
    response = client.get(COMPLIANCE + "?q=GLOBEX")
    assert response.status_code == 200
    assert [r.user_id for r in response.context["cl"].result_list] == [queue[1].pk]


def test_newest_first_breaks_ties_by_id_in_the_same_direction(client, rita, queue):
    """One index read backwards serves "newest first": the id follows the date's direction."""
    client.force_login(rita)
    response = client.get(QUEUE + "?o=-3")
    queryset = response.context["cl"].queryset
    assert list(queryset.query.order_by) == ["-submitted_at", "-pk"]
    found = [(a.submitted_at, a.pk) for a in response.context["cl"].result_list]
    assert found == sorted(found, reverse=True)


def test_the_pending_filter_lists_only_pending_applications_oldest_first(client, rita, queue):
    client.force_login(rita)
    found = listed(client, QUEUE + "?state__exact=pending_review")
    assert len(found) == Application.objects.filter(state=State.PENDING_REVIEW).count() == 12
    assert [a.submitted_at for a in found] == sorted(a.submitted_at for a in found)
