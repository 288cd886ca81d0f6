"""SPEC §3.2, §3.6: the categories chosen together are one batch, written only when the
partner saves or submits it, resumed and submitted as one, and deletable while a draft."""

import pytest

from categories.models import Market, Region, ServiceCategory
from onboarding.models import Application, NotADraft

from .conftest import make_application
from .test_partner_pages import entity_post

FOUR = ["shop-management", "live-management", "short-video-management", "creator-matchmaking"]


def choose(client, codes=FOUR, *, partner_type="tsp", region="UK", market="UK") -> str:
    """Get Started > Next; the URL of the batch page it leads to."""
    response = client.post(
        f"/onboarding/get-started/?type={partner_type}",
        {
            "region": str(Region.objects.get(code=region).pk),
            "markets": [str(Market.objects.get(code=market).pk)],
            "categories": [str(ServiceCategory.objects.get(code=c).pk) for c in codes],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    return response.url


def categories_post(codes=FOUR):
    data = {}
    for code in codes:
        prefix = f"cat-{ServiceCategory.objects.get(code=code).pk}"
        data |= {f"{prefix}-service_plan": "Weekly LIVE shows", f"{prefix}-team_size": "4"}
    return data


def test_next_writes_no_draft_until_the_batch_is_saved(alice_client, alice):
    # when: Next, a look at the batch page, then Cancel (a link away)
    url = choose(alice_client)
    page = alice_client.get(url)

    # then
    assert page.status_code == 200
    assert page.content.decode().count("Save for later") == 1
    assert not Application.objects.filter(user=alice).exists()


def test_saved_batch_shows_one_continue_on_the_profile_leading_to_the_batch(alice_client, alice):
    # given
    url = choose(alice_client)
    alice_client.post(url, {"action": "save"})

    # when
    profile = alice_client.get("/my-account/profile/?tab=categories").content.decode()

    # then
    assert Application.objects.filter(user=alice, state="draft").count() == 4
    assert profile.count(f'href="{url}"') == 1
    assert "Continue (4 categories)" in profile
    assert profile.count("Delete draft") == 1


def test_one_submit_sends_the_whole_resumed_batch_to_review(alice_client, alice):
    # given: saved for later, then resumed from the profile
    url = choose(alice_client)
    alice_client.post(url, {"action": "save"})
    assert alice_client.get(url).status_code == 200

    # when
    response = alice_client.post(url, {"action": "submit", **entity_post(), **categories_post()})

    # then
    assert response.status_code == 302
    states = list(Application.objects.filter(user=alice).values_list("state", flat=True))
    assert states == ["pending_review"] * 4


def test_a_refused_submit_of_a_new_batch_keeps_it_as_one_draft(alice_client, alice):
    # given
    url = choose(alice_client, FOUR[:2])

    # when: Submit with the entity info missing
    response = alice_client.post(url, {"action": "submit", **categories_post(FOUR[:2])})
    again = alice_client.post(
        url, {"action": "submit", **entity_post(), **categories_post(FOUR[:2])}
    )

    # then
    assert response.status_code == 200
    assert "This field is required to submit." in response.content.decode()
    assert again.status_code == 302
    assert Application.objects.filter(user=alice).count() == 2
    assert set(Application.objects.values_list("state", flat=True)) == {"pending_review"}


def test_partner_deletes_a_draft_after_confirming(alice_client, alice):
    # given
    url = choose(alice_client)
    alice_client.post(url, {"action": "save"})
    batch = Application.objects.filter(user=alice).first().batch

    # when
    confirm = alice_client.get(f"/onboarding/batches/{batch}/delete/")
    response = alice_client.post(f"/onboarding/batches/{batch}/delete/")

    # then
    assert "This cannot be undone." in confirm.content.decode()
    assert response.status_code == 302
    assert not Application.objects.filter(user=alice).exists()
    assert alice_client.get(url).status_code == 404


def test_another_partner_cannot_delete_a_draft(alice, bob, client):
    # given
    draft = make_application(alice)
    client.force_login(bob)

    # when
    confirm = client.get(f"/onboarding/batches/{draft.batch}/delete/")
    response = client.post(f"/onboarding/batches/{draft.batch}/delete/")

    # then
    assert confirm.status_code == 404
    assert response.status_code == 404
    assert Application.objects.filter(pk=draft.pk).exists()


def test_a_submitted_application_cannot_be_deleted(alice_client, alice, rita):
    # given
    pending = make_application(alice, state="pending_review")

    # when
    response = alice_client.post(f"/onboarding/batches/{pending.batch}/delete/")

    # then
    assert response.status_code == 404
    with pytest.raises(NotADraft):
        pending.discard()
    assert Application.objects.filter(pk=pending.pk, state="pending_review").exists()


def test_isv_who_saves_is_offered_get_app_key_now_or_back_to_profile(alice_client, alice):
    # given
    url = choose(alice_client, ["isv-order-management"], partner_type="isv")

    # when
    response = alice_client.post(url, {"action": "save"}, follow=True)

    # then
    page = response.content.decode()
    assert "Get app key now" in page
    assert 'href="/apps/create/"' in page
    assert "Back to profile" in page
    assert Application.objects.filter(user=alice, state="draft").count() == 1


def test_developer_applicant_finds_app_and_service_in_the_menu(alice_client, alice):
    # given
    url = choose(alice_client, ["isv-order-management"], partner_type="isv")
    before = alice_client.get("/my-account/profile/").content.decode()
    alice_client.post(url, {"action": "save"})

    # when
    after = alice_client.get("/my-account/profile/").content.decode()

    # then
    assert "App &amp; Service" not in before
    assert "App &amp; Service" in after


def test_drafts_stay_out_of_the_reviewers_default_queue(client, alice, bob, rita):
    # given
    make_application(alice, state="pending_review")
    make_application(bob)
    client.force_login(rita)

    # when
    default = client.get("/admin/onboarding/application/").content.decode()
    drafts = client.get("/admin/onboarding/application/?state__exact=draft").content.decode()

    # then
    assert "alice@example.com" in default
    assert "bob@example.com" not in default
    assert "bob@example.com" in drafts


def test_a_batch_left_unsaved_does_not_fix_the_company_region(alice_client, alice):
    # given: a UK batch opened, then left without saving
    alice_client.get(choose(alice_client, ["live-management"]))

    # when: she starts again as a cross-border partner from Hong Kong
    url = choose(alice_client, ["live-management"], region="HK", market="DE")
    alice_client.post(url, {"action": "save"})

    # then
    application = Application.objects.get(user=alice)
    assert (application.region.code, application.market.code) == ("HK", "DE")
    assert alice.company_entity.region.code == "HK"


def test_a_choice_applied_for_meanwhile_sends_the_partner_back_with_the_reason(alice_client, alice):
    # given: Next in one tab, then the same category saved from another
    first = choose(alice_client, ["live-management"])
    second = choose(alice_client, ["live-management"])
    alice_client.post(second, {"action": "save"})

    # when
    response = alice_client.get(first, follow=True)

    # then
    assert response.redirect_chain[-1][0] == "/onboarding/add-category/"
    assert "You already applied for Seller Service › LIVE Management" in (response.content.decode())
    assert Application.objects.filter(user=alice).count() == 1
