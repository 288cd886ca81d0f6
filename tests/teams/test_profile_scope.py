"""SPEC §8.1/§8.3: team members use the account's profile, applications and compliance
review within their role's "Profile & applications" permission; another team's member finds
nothing of the account (404)."""

import pytest
from django.core.cache import cache

from categories.models import Market, ServiceCategory
from compliance.models import ComplianceReview
from onboarding import roles_cache
from onboarding.models import Application, CompanyEntity, PendingUpload
from tests.compliance.conftest import ANSWERS, make_developer
from tests.conftest import make_member
from tests.onboarding.conftest import (  # noqa: F401 (autouse fixtures)
    _private_media,
    _tasks_in_process,
    complete_entity,
    make_application,
)
from tests.onboarding.test_get_started import ids, region_id
from tests.onboarding.test_partner_pages import category_post, entity_post

PROFILE_MANAGER = {"profile": 2}
NO_PROFILE = {"apps": 2, "notifications": 1}


def edit_url(application) -> str:
    return f"/onboarding/applications/{application.pk}/edit/"


def login(client, user):
    client.force_login(user)
    return client


def snapshot(account) -> dict:
    """What a refused request must leave as it was."""
    return {
        "applications": list(Application.objects.filter(user=account).order_by("pk").values()),
        "entities": list(CompanyEntity.objects.filter(user=account).values()),
        "reviews": list(ComplianceReview.objects.filter(user=account).values()),
        "uploads": PendingUpload.objects.count(),
    }


@pytest.fixture
def alices_draft(alice):
    application = make_application(alice)
    complete_entity(alice)
    return application


def test_a_member_who_manages_profile_edits_and_submits_the_accounts_draft(
    client, alice, alices_draft
):
    # given
    member = make_member(account=alice, email="pm@alice.example", role=PROFILE_MANAGER)
    login(client, member)

    # when
    response = client.post(
        edit_url(alices_draft),
        {"action": "submit", **entity_post(), **category_post(alices_draft)},
    )

    # then: the account's application went to review, its entity holds the upload
    assert response.status_code == 302
    alices_draft.refresh_from_db()
    assert alices_draft.state == "pending_review"
    assert alices_draft.user == alice
    entity = CompanyEntity.objects.get(user=alice)
    assert PendingUpload.objects.filter(file=entity.business_certificate.name, user=alice).exists()
    assert not CompanyEntity.objects.filter(user=member).exists()
    # and the history names the member who submitted
    assert alices_draft.transitions.get(name="submit").by == member


def test_a_member_opens_the_accounts_documents_when_their_role_reads_profile(
    client, alice, alices_draft
):
    # given
    name = CompanyEntity.objects.get(user=alice).business_certificate.name
    viewer = make_member(account=alice, email="viewer@alice.example", role="viewer")
    outsider = make_member(account=alice, email="apps@alice.example", role=NO_PROFILE)

    # when
    seen = login(client, viewer).get(f"/onboarding/documents/{name}")
    refused = login(client, outsider).get(f"/onboarding/documents/{name}")

    # then
    assert seen.status_code == 200
    assert refused.status_code == 403


def test_a_member_saves_the_accounts_draft_and_their_upload_is_the_accounts(
    client, alice, alices_draft
):
    # given
    member = make_member(account=alice, email="pm@alice.example", role=PROFILE_MANAGER)
    login(client, member)

    # when
    response = client.post(
        f"/onboarding/batches/{alices_draft.batch}/",
        {"action": "save", **entity_post(**{"entity-legal_name": "Member Edit Ltd"})},
    )

    # then
    assert response.status_code == 302
    entity = CompanyEntity.objects.get(user=alice)
    assert entity.legal_name == "Member Edit Ltd"
    assert not PendingUpload.objects.filter(user=member).exists()
    assert login(client, member).get(
        f"/onboarding/documents/{entity.id_document.name}"
    ).status_code == (200)


@pytest.fixture
def alices_pages(alice, rita, alices_draft):
    """Every partner page of Profile & applications, with alice's objects in it."""
    make_developer(alice, region="UK")
    name = CompanyEntity.objects.get(user=alice).business_certificate.name
    return {
        "get": [
            "/onboarding/add-category/",
            "/onboarding/get-started/?type=tsp",
            f"/onboarding/batches/{alices_draft.batch}/",
            f"/onboarding/batches/{alices_draft.batch}/next/",
            f"/onboarding/batches/{alices_draft.batch}/delete/",
            f"/onboarding/applications/{alices_draft.pk}/",
            edit_url(alices_draft),
            f"/onboarding/documents/{name}",
            "/onboarding/compliance/",
            "/onboarding/compliance/security-review/",
            "/my-account/profile/?tab=entity",
            "/my-account/profile/?tab=categories",
        ],
        "post": [
            ("/onboarding/get-started/?type=tsp", {"region": "1"}),
            (f"/onboarding/batches/{alices_draft.batch}/", {"action": "save", **entity_post()}),
            (f"/onboarding/batches/{alices_draft.batch}/delete/", {}),
            (edit_url(alices_draft), {"action": "submit", **entity_post()}),
            ("/onboarding/compliance/questionnaire/", {}),
            ("/onboarding/compliance/security-review/", {"action": "save", **ANSWERS}),
        ],
    }


def test_a_viewer_reads_every_page_and_every_post_is_refused(client, alice, alices_pages):
    # given
    viewer = make_member(account=alice, email="viewer@alice.example", role="viewer")
    login(client, viewer)
    before = snapshot(alice)

    # when
    reads = {url: client.get(url).status_code for url in alices_pages["get"]}
    writes = {url: client.post(url, data).status_code for url, data in alices_pages["post"]}

    # then
    assert set(reads.values()) == {200}, reads
    assert set(writes.values()) == {403}, writes
    assert snapshot(alice) == before


def test_a_member_without_profile_is_refused_every_page(client, alice, alices_pages):
    # given
    member = make_member(account=alice, email="apps@alice.example", role=NO_PROFILE)
    login(client, member)
    before = snapshot(alice)

    # when
    reads = {url: client.get(url).status_code for url in alices_pages["get"]}
    writes = {url: client.post(url, data).status_code for url, data in alices_pages["post"]}

    # then
    assert set(reads.values()) == {403}, reads
    assert set(writes.values()) == {403}, writes
    assert snapshot(alice) == before


def test_another_teams_member_finds_none_of_the_accounts_objects(client, alice, bob, alices_draft):
    # given: an administrator of bob's team
    member = make_member(account=bob, email="admin@bob.example", role="administrator")
    name = CompanyEntity.objects.get(user=alice).business_certificate.name
    login(client, member)
    urls = [
        f"/onboarding/applications/{alices_draft.pk}/",
        edit_url(alices_draft),
        f"/onboarding/batches/{alices_draft.batch}/next/",
        f"/onboarding/batches/{alices_draft.batch}/delete/",
        f"/onboarding/documents/{name}",
    ]
    before = snapshot(alice)

    # when
    reads = {url: client.get(url).status_code for url in urls}
    writes = {url: client.post(url, {"action": "submit"}).status_code for url in urls[1:2]}

    # then
    assert set(reads.values()) == {404}, reads
    assert set(writes.values()) == {404}, writes
    assert snapshot(alice) == before


def test_a_members_security_review_submission_is_the_accounts_and_names_the_member(client, alice):
    # given: alice, a UK developer, must pass the compliance review
    make_developer(alice, region="UK")
    member = make_member(account=alice, email="pm@alice.example", role=PROFILE_MANAGER)
    login(client, member)

    # when
    response = client.post(
        "/onboarding/compliance/security-review/", {"action": "submit", **ANSWERS}
    )

    # then
    assert response.status_code == 302
    review = ComplianceReview.objects.get(user=alice)
    assert review.state == "pending_review"
    assert not ComplianceReview.objects.filter(user=member).exists()
    assert review.transitions.get(name="submit").by == member


def test_a_member_requests_the_questionnaire_for_the_account(client, alice):
    # given
    make_developer(alice, region="UK")
    member = make_member(account=alice, email="pm@alice.example", role=PROFILE_MANAGER)

    # when
    response = login(client, member).post("/onboarding/compliance/questionnaire/")

    # then
    assert response.status_code == 302
    assert ComplianceReview.objects.get(user=alice).questionnaire_requested_at is not None


def test_the_profile_shows_a_members_own_login_and_the_accounts_tabs_by_role(
    client, alice, alices_draft
):
    # given
    viewer = make_member(account=alice, email="viewer@alice.example", role="viewer")
    outsider = make_member(account=alice, email="apps@alice.example", role=NO_PROFILE)

    # when
    viewers = login(client, viewer).get("/my-account/profile/").content.decode()
    categories = client.get("/my-account/profile/?tab=categories").content.decode()
    outsiders = login(client, outsider).get("/my-account/profile/").content.decode()

    # then: each reads their own login; the account's tabs only with Profile
    assert "viewer@alice.example" in viewers
    # alice's email appears once: in the top bar's "Acting for", never as the login shown
    assert viewers.count(alice.email) == 1
    assert f"Acting for {alice.email}" in viewers
    assert "?tab=entity" in viewers
    assert 'class="tabs my-account-nav"' in viewers
    assert f"application-{alices_draft.pk}" in categories
    assert "apps@alice.example" in outsiders
    assert "?tab=entity" not in outsiders
    assert "?tab=categories" not in outsiders


def test_the_dashboard_shows_a_member_the_accounts_progress(client, alice, alices_draft):
    # given
    viewer = make_member(account=alice, email="viewer@alice.example", role="viewer")
    outsider = make_member(account=alice, email="apps@alice.example", role=NO_PROFILE)

    # when
    viewers = login(client, viewer).get("/").content.decode()
    outsiders = login(client, outsider).get("/").content.decode()

    # then
    assert 'id="progress-heading"' in viewers
    assert f"/onboarding/applications/{alices_draft.pk}/" in viewers
    assert 'id="progress-heading"' not in outsiders


def test_any_member_picks_their_own_active_role_among_the_accounts(client, alice, rita):
    # given: alice holds a role; her member may not even read Profile
    application = make_application(alice, state="approved", reviewer=rita)
    role = application.category.role
    member = make_member(account=alice, email="apps@alice.example", role=NO_PROFILE)

    # when
    response = login(client, member).post("/onboarding/role/", {"role": role.code})

    # then: the member's choice, not alice's
    assert response.status_code == 302
    member.refresh_from_db()
    alice.refresh_from_db()
    assert member.active_role == role
    assert alice.active_role_id is None


def test_a_role_the_account_does_not_hold_cannot_be_picked(client, alice, bob, rita):
    # given: bob holds a role alice does not
    application = make_application(bob, state="approved", reviewer=rita)
    member = make_member(account=alice, email="viewer@alice.example", role="viewer")

    # when
    response = login(client, member).post(
        "/onboarding/role/", {"role": application.category.role.code}
    )

    # then
    assert response.status_code == 404


@pytest.fixture
def cached_roles(settings, alice):
    settings.PARTNER_ROLES_CACHE_SECONDS = 60
    keys = [roles_cache.CATALOG_KEY, roles_cache._user_key(alice.pk)]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def test_a_member_reads_the_accounts_roles_and_sees_an_approval_at_once(
    cached_roles, client, alice, rita, django_capture_on_commit_callbacks
):
    # given: the account holds no role yet, and the member's shell cached that
    with django_capture_on_commit_callbacks(execute=True):
        application = make_application(alice, state="pending_review")
    member = make_member(account=alice, email="viewer@alice.example", role="viewer")
    assert roles_cache.shell_roles(member) == roles_cache.shell_roles(alice)
    assert not any(role.held for role in roles_cache.shell_roles(member))

    # when: a reviewer approves the account's application
    with django_capture_on_commit_callbacks(execute=True):
        from onboarding.services import decide_application

        decide_application(application_id=application.pk, by=rita, approve=True)

    # then: the member's next read shows the role (one cache entry, the account's)
    assert [role.code for role in roles_cache.shell_roles(member) if role.held] == [
        application.category.role.code
    ]
    assert cache.get(roles_cache._user_key(member.pk)) is None


def test_a_viewer_is_not_offered_the_questionnaire_request(client, alice):
    # given
    make_developer(alice, region="UK")
    viewer = make_member(account=alice, email="viewer@alice.example", role="viewer")
    manager = make_member(account=alice, email="pm@alice.example", role=PROFILE_MANAGER)

    # when
    viewers = login(client, viewer).get("/onboarding/compliance/").content.decode()
    managers = login(client, manager).get("/onboarding/compliance/").content.decode()

    # then
    assert "/onboarding/compliance/questionnaire/" not in viewers
    assert "/onboarding/compliance/questionnaire/" in managers


def test_a_member_starts_applications_for_the_account(client, alice):
    # given
    member = make_member(account=alice, email="pm@alice.example", role=PROFILE_MANAGER)
    login(client, member)

    # when: Get Started, then "Save for later" on the batch page
    response = client.post(
        "/onboarding/get-started/?type=tsp",
        {
            "region": region_id("UK"),
            "markets": ids(Market, "UK"),
            "categories": ids(ServiceCategory, "live-management"),
        },
    )
    saved = client.post(response.url, {"action": "save"})

    # then: the drafts and the entity are the account's
    assert saved.status_code == 302
    assert Application.objects.get().user == alice
    assert CompanyEntity.objects.get().user == alice


def test_a_member_without_profile_sees_what_their_role_covers_not_business_buttons(client, alice):
    # given
    builder = make_member(account=alice, email="apps@alice.example", role={"apps": 2})

    # when
    page = login(client, builder).get("/")

    # then
    assert page.context["member_access"] == [("App & Service", "Manage")]
    assert b'id="member-access"' in page.content
    assert b"Start Business" not in page.content
    assert login(client, alice).get("/").context["member_access"] is None


def test_opening_a_draft_writes_nothing_not_even_an_empty_entity(client, alice):
    # given a draft made before any company entity info
    draft = make_application(alice)
    CompanyEntity.objects.filter(user=alice).delete()
    viewer = make_member(account=alice, email="viewer@alice.example", role="viewer")

    # when
    page = login(client, viewer).get(f"/onboarding/applications/{draft.pk}/edit/")

    # then
    assert page.status_code == 200
    assert not CompanyEntity.objects.filter(user=alice).exists()
