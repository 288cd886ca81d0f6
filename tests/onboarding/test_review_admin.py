"""SPEC §3.12: reviewers decide in Django admin, through buttons that run the transitions."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from onboarding.models import Application, CompanyEntity
from tests.conftest import make_user

from .conftest import make_application

ADMIN = "/admin/onboarding/application/"


@pytest.fixture
def rita_client(client, rita):
    client.force_login(rita)
    return client


@pytest.fixture
def boss(db):
    return make_user(email="boss@example.com", is_staff=True, is_superuser=True)


def test_queue_filters_and_search(rita_client, alice, bob):
    make_application(alice, state="pending_review")
    make_application(bob)

    pending = rita_client.get(ADMIN + "?state__exact=pending_review").content.decode()
    searched = rita_client.get(ADMIN + "?q=alice").content.decode()

    assert "alice@example.com" in pending
    assert "bob@example.com" not in pending
    assert "bob@example.com" not in searched
    for query in (
        "region__id__exact=1",
        "market__id__exact=1",
        "category__id__exact=1",
        "age=1d",
        "age=old",
    ):
        assert rita_client.get(f"{ADMIN}?{query}").status_code == 200


def test_detail_shows_documents_history_and_buttons(rita_client, alice):
    application = make_application(alice, state="pending_review")

    page = rita_client.get(f"{ADMIN}{application.pk}/change/").content.decode()

    assert "Approve" in page
    assert f"{ADMIN}{application.pk}/reject/" in page
    assert "/onboarding/documents/onboarding/companyentity/" in page
    assert ".thumb.jpg" in page
    assert "Review history" in page


def test_approve_button_runs_the_transition(rita_client, rita, alice):
    application = make_application(alice, state="pending_review")

    response = rita_client.post(f"{ADMIN}{application.pk}/approve/", follow=True)

    application.refresh_from_db()
    assert application.state == "approved"
    assert application.decided_by == rita
    assert "is now Approved" in response.content.decode()


def test_reject_needs_a_reason(rita_client, alice):
    # given
    application = make_application(alice, state="pending_review")

    # when
    empty = rita_client.post(f"{ADMIN}{application.pk}/reject/", {"reason": ""})
    done = rita_client.post(
        f"{ADMIN}{application.pk}/reject/",
        {"reason": "Blurred scan", "field__entity-business_certificate": "Rescan it"},
    )

    # then
    assert empty.status_code == 200
    assert "A reason is required." in empty.content.decode()
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.state == "rejected"
    assert application.field_reasons == {"entity-business_certificate": "Rescan it"}


def test_illegal_transition_fails_from_the_admin(rita_client, alice):
    # given
    draft = make_application(alice)

    # when
    response = rita_client.post(f"{ADMIN}{draft.pk}/approve/", follow=True)

    # then
    assert "Only applications pending review can be decided" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_the_state_field_cannot_be_posted_through_the_change_form(client, boss, alice):
    # given
    draft = make_application(alice)
    client.force_login(boss)

    # when
    client.post(
        f"{ADMIN}{draft.pk}/change/",
        {
            "state": "approved",
            "team_size": "50",
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
        },
    )

    # then
    draft.refresh_from_db()
    assert (draft.state, draft.team_size) == ("draft", 5)


def test_a_second_decision_gets_a_clear_message(rita_client, alice, rita):
    application = make_application(alice, state="approved", reviewer=rita)

    response = rita_client.post(f"{ADMIN}{application.pk}/approve/", follow=True)

    assert "already decided by someone else" in response.content.decode()


def test_bulk_approve_and_reject(rita_client, alice, bob, make_partner):
    # given
    first = make_application(alice, state="pending_review")
    second = make_application(bob, state="pending_review")
    third = make_application(make_partner, state="pending_review")

    # when
    rita_client.post(ADMIN, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [first.pk]})
    form = rita_client.post(
        ADMIN, {"action": "reject_selected", ACTION_CHECKBOX_NAME: [second.pk, third.pk]}
    )
    rita_client.post(
        ADMIN,
        {
            "action": "reject_selected",
            ACTION_CHECKBOX_NAME: [second.pk, third.pk],
            "apply": "1",
            "reason": "Incomplete",
        },
    )

    # then
    assert "Reject 2 applications" in form.content.decode()
    states = dict(Application.objects.values_list("pk", "state"))
    assert states == {first.pk: "approved", second.pk: "rejected", third.pk: "rejected"}


@pytest.fixture
def make_partner(db):
    return make_user(email="carol@example.com")


def test_staff_outside_the_reviewers_group_cannot_decide(client, alice):
    # given: staff who may view applications but hold no review permission
    from django.contrib.auth.models import Permission

    viewer = make_user(email="viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    application = make_application(alice, state="pending_review")
    client.force_login(viewer)

    # when
    approve = client.post(f"{ADMIN}{application.pk}/approve/")
    reject = client.post(f"{ADMIN}{application.pk}/reject/", {"reason": "x"})
    bulk = client.post(
        ADMIN, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [application.pk]}
    )

    # then
    assert approve.status_code == 403
    assert reject.status_code == 403
    assert (
        "Approve"
        not in client.get(f"{ADMIN}{application.pk}/change/")
        .content.decode()
        .split("object-tools")[1][:400]
    )
    assert bulk.status_code in (200, 302)
    application.refresh_from_db()
    assert application.state == "pending_review"


def test_approved_entity_cannot_be_edited_from_the_admin(client, boss, alice, rita):
    # given
    make_application(alice, state="approved", reviewer=rita)
    entity = CompanyEntity.objects.get(user=alice)
    client.force_login(boss)

    # when
    page = client.get(f"/admin/onboarding/companyentity/{entity.pk}/change/").content.decode()
    response = client.post(
        f"/admin/onboarding/companyentity/{entity.pk}/change/",
        {"legal_name": "Hijacked Ltd", "partner_name": "Hijack"},
    )

    # then
    assert 'name="legal_name"' not in page
    assert "can no longer be changed" in response.content.decode()
    entity.refresh_from_db()
    assert entity.legal_name == "Acme Growth Ltd"


def test_entity_under_review_is_still_editable_by_a_superuser(client, boss, alice):
    make_application(alice, state="pending_review")
    entity = CompanyEntity.objects.get(user=alice)
    client.force_login(boss)

    page = client.get(f"/admin/onboarding/companyentity/{entity.pk}/change/").content.decode()

    assert 'name="legal_name"' in page
