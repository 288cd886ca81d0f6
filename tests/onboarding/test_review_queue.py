"""The reviewer's queue is work to do, the reject page fits the application, the history reads
in words (issue 11, item 12)."""

import pytest

from categories.models import Region
from onboarding.models import ApplicationTransition, CompanyEntity

from .conftest import make_application

ADMIN = "/admin/onboarding/application/"


@pytest.fixture
def rita_client(client, rita):
    client.force_login(rita)
    return client


def test_the_default_queue_leaves_drafts_out(rita_client, alice, bob):
    # given
    make_application(alice, state="pending_review")
    make_application(bob)

    # when
    default = rita_client.get(ADMIN).content.decode()
    drafts = rita_client.get(ADMIN + "?state__exact=draft").content.decode()

    # then
    assert "alice@example.com" in default
    assert "bob@example.com" not in default
    assert "All but drafts" in default
    assert "bob@example.com" in drafts
    assert "alice@example.com" not in drafts


def test_the_queue_shows_status_submitted_and_waiting_first(rita_client, alice):
    make_application(alice, state="pending_review")

    page = rita_client.get(ADMIN).content.decode()

    order = [page.index(f'class="sortable column-{c}') for c in ("status", "submitted")]
    assert order == sorted(order)
    assert page.index("column-status") < page.index("column-partner")
    assert "column-region" not in page


def test_reject_page_of_a_local_partner_leaves_out_cross_border_fields(rita_client, alice):
    # given: a UK (local) partner
    application = make_application(alice, state="pending_review")

    # when
    page = rita_client.get(f"{ADMIN}{application.pk}/reject/").content.decode()

    # then: no note box for what a local partner is never asked
    assert 'name="field__entity-legal_name"' in page
    assert 'name="field__entity-legal_name_english"' not in page
    assert 'name="field__entity-registered_address"' not in page
    assert 'name="field__entity-certificate_expires_on"' not in page  # permanent certificate
    # and each box shows what was entered
    assert "Acme Growth Ltd" in page
    assert "Two account managers, weekly LIVE shows." in page


def test_reject_page_of_a_cross_border_partner_asks_about_cross_border_fields(rita_client, alice):
    # given
    application = make_application(alice, state="pending_review")
    cross_border = Region.objects.filter(is_cross_border=True).first()
    CompanyEntity.objects.filter(user=alice).update(region=cross_border)

    # when
    page = rita_client.get(f"{ADMIN}{application.pk}/reject/").content.decode()

    # then
    assert 'name="field__entity-legal_name_english"' in page
    assert "1 Harbour Road, Hong Kong" in page


def test_reject_page_asks_nothing_about_an_approved_entity(rita_client, alice, rita):
    # given: the entity was approved with a first application (SPEC §3.9: frozen)
    make_application(alice, state="approved", reviewer=rita)
    second = make_application(alice, state="pending_review", category="shop-management")

    # when
    page = rita_client.get(f"{ADMIN}{second.pk}/reject/").content.decode()

    # then
    assert 'name="field__entity-' not in page
    assert 'name="field__service_plan"' in page


def test_rejecting_with_a_field_note_records_it(rita_client, alice):
    application = make_application(alice, state="pending_review")

    rita_client.post(
        f"{ADMIN}{application.pk}/reject/",
        {"reason": "Blurred", "field__entity-legal_name": "Use the name on the certificate."},
    )

    application.refresh_from_db()
    assert application.field_reasons == {"entity-legal_name": "Use the name on the certificate."}


def test_history_shows_steps_and_states_in_words(rita_client, alice, rita):
    # given
    application = make_application(alice, state="rejected", reviewer=rita)

    # when
    page = rita_client.get(f"{ADMIN}{application.pk}/change/").content.decode()

    # then
    assert "Pending review → Not approved" in page
    assert "Draft → Pending review" in page
    assert "pending_review" not in page.split("Review history")[1]
    assert ApplicationTransition.objects.filter(application=application).count() == 2
