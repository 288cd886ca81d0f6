"""SPEC §3.6-3.11, §1.6: the partner's side: save for later, submit, fix it, edit, profile
tabs, the review timeline and the role switcher."""

from onboarding.models import Application, CompanyEntity

from .conftest import ENTITY_FIELDS, make_application, upload


def entity_post(**overrides):
    data = {f"entity-{k}": v for k, v in ENTITY_FIELDS.items() if k != "ecommerce_platforms"}
    data["entity-ecommerce_platforms"] = ["shopee"]
    data["entity-business_certificate"] = upload("certificate.png")
    data["entity-id_document"] = upload("passport.png")
    data.update(overrides)
    return data


def category_post(application, **overrides):
    prefix = f"cat-{application.category_id}"
    data = {f"{prefix}-service_plan": "Weekly LIVE shows", f"{prefix}-team_size": "4"}
    data.update({f"{prefix}-{k}": v for k, v in overrides.items()})
    return data


def test_save_for_later_keeps_a_partial_draft(alice_client, alice):
    # given
    application = make_application(alice)

    # when
    response = alice_client.post(
        f"/onboarding/batches/{application.batch}/",
        {"action": "save", "entity-legal_name": "Half Done Ltd"},
    )

    # then
    assert response.status_code == 302
    assert CompanyEntity.objects.get(user=alice).legal_name == "Half Done Ltd"
    application.refresh_from_db()
    assert application.state == "draft"


def test_submit_validates_everything_and_keeps_the_draft(alice_client, alice):
    # given
    application = make_application(alice)

    # when
    response = alice_client.post(
        f"/onboarding/batches/{application.batch}/",
        {"action": "submit", "entity-legal_name": "Half Done Ltd"},
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required to submit." in page
    application.refresh_from_db()
    assert application.state == "draft"
    assert CompanyEntity.objects.get(user=alice).legal_name == "Half Done Ltd"


def test_submit_with_everything_starts_review(alice_client, alice):
    # given
    application = make_application(alice)

    # when
    response = alice_client.post(
        f"/onboarding/batches/{application.batch}/",
        {"action": "submit", **entity_post(), **category_post(application)},
    )

    # then
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "pending_review"
    profile = alice_client.get("/my-account/profile/?tab=categories").content.decode()
    assert "Pending review" in profile


def test_appointed_period_needs_a_termination_date(alice_client, alice):
    application = make_application(alice)

    response = alice_client.post(
        f"/onboarding/batches/{application.batch}/",
        {
            "action": "submit",
            **entity_post(**{"entity-certificate_validity": "appointed"}),
            **category_post(application),
        },
    )

    assert "Enter the termination date of an appointed period." in response.content.decode()
    application.refresh_from_db()
    assert application.state == "draft"


def test_cross_border_partners_fill_more_fields(alice_client, alice):
    # given
    from .conftest import start

    (application,) = start(
        alice, partner_type="mcn", region="CN", categories=["creator-management"]
    )

    # when
    page = alice_client.get(f"/onboarding/batches/{application.batch}/").content.decode()
    response = alice_client.post(
        f"/onboarding/batches/{application.batch}/",
        {"action": "submit", **entity_post(), **category_post(application)},
    )

    # then
    assert "entity-legal_representative" in page
    assert response.status_code == 200
    assert "Legal representative" in response.content.decode()
    application.refresh_from_db()
    assert application.state == "draft"


def test_partner_name_rules_each_have_their_own_message(alice_client, alice):
    application = make_application(alice)
    cases = {
        "Tik Tok Growth": "cannot contain TikTok or a name like it",
        "98765432109": "cannot be a long or random string",
        "Lucky Casino Media": "pornography, gambling, drugs, violence",
    }

    for name, message in cases.items():
        response = alice_client.post(
            f"/onboarding/batches/{application.batch}/",
            {"action": "save", "entity-partner_name": name},
        )
        assert message in response.content.decode(), name
    assert CompanyEntity.objects.get(user=alice).partner_name == ""


def test_fix_it_shows_the_reasons_and_resubmits(alice_client, alice, rita):
    # given
    application = make_application(alice, state="rejected", reviewer=rita)

    # when
    detail = alice_client.get(f"/onboarding/applications/{application.pk}/").content.decode()
    page = alice_client.get(f"/onboarding/applications/{application.pk}/edit/").content.decode()
    response = alice_client.post(
        f"/onboarding/applications/{application.pk}/edit/",
        {"action": "submit", **entity_post(), **category_post(application)},
    )

    # then
    assert "The business certificate is unreadable." in detail
    assert "Fix it" in detail
    assert "Upload a sharper scan." in page
    assert "Business certificate" in page
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "pending_review"


def test_timeline_shows_submit_and_each_decision_with_dates(alice_client, alice, rita):
    application = make_application(alice, state="rejected", reviewer=rita)

    page = alice_client.get(f"/onboarding/applications/{application.pk}/").content.decode()

    assert "Submitted for review" in page
    assert "Not approved" in page
    assert page.count("<time") >= 3


def test_a_pending_application_cannot_be_edited_or_resubmitted_from_a_view(alice_client, alice):
    # given
    application = make_application(alice, state="pending_review")

    # when
    response = alice_client.post(
        f"/onboarding/applications/{application.pk}/edit/",
        {"action": "submit", **category_post(application, team_size="99")},
    )

    # then
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.team_size == 5
    assert application.transitions.count() == 1


def test_approved_entity_cannot_be_edited_from_a_view(alice_client, alice, rita):
    # given
    application = make_application(alice, state="approved", reviewer=rita)

    # when: the edit page shows the entity read-only and ignores posted entity fields
    page = alice_client.get(f"/onboarding/applications/{application.pk}/edit/").content.decode()
    response = alice_client.post(
        f"/onboarding/applications/{application.pk}/edit/",
        {
            "action": "submit",
            "entity-legal_name": "Changed Ltd",
            **category_post(application, team_size="8"),
        },
    )

    # then
    assert 'name="entity-legal_name"' not in page
    assert "cannot be changed" in page
    assert response.status_code == 302
    assert CompanyEntity.objects.get(user=alice).legal_name == "Acme Growth Ltd"
    application.refresh_from_db()
    assert (application.state, application.team_size) == ("pending_review", 8)


def test_approved_info_cannot_be_saved_without_review(alice_client, alice, rita):
    application = make_application(alice, state="approved", reviewer=rita)

    alice_client.post(
        f"/onboarding/applications/{application.pk}/edit/",
        {"action": "save", **category_post(application, team_size="8")},
    )

    application.refresh_from_db()
    assert (application.state, application.team_size) == ("approved", 5)


def test_add_category_later_shows_common_info_read_only(alice_client, alice, rita):
    # given
    make_application(alice, state="approved", reviewer=rita)
    profile = alice_client.get("/my-account/profile/?tab=categories").content.decode()
    assert "/onboarding/add-category/" in profile

    # when
    response = alice_client.post(
        "/onboarding/get-started/?type=tsp",
        {
            "markets": [str(Application.objects.first().market_id)],
            "categories": [str(pk) for pk in _category_ids("short-video-management")],
        },
    )
    page = alice_client.get(response.url).content.decode()

    # then
    assert "Acme Growth Ltd" in page
    assert 'name="entity-legal_name"' not in page
    assert 'name="cat-' in page


def _category_ids(*codes):
    from categories.models import ServiceCategory

    return ServiceCategory.objects.filter(code__in=codes).values_list("pk", flat=True)


def test_profile_tabs_show_entity_and_every_application(alice_client, alice, rita):
    make_application(alice, state="approved", reviewer=rita)
    make_application(alice, category="short-video-management")

    entity_tab = alice_client.get("/my-account/profile/?tab=entity").content.decode()
    categories_tab = alice_client.get("/my-account/profile/?tab=categories").content.decode()

    assert "Acme Growth Ltd" in entity_tab
    assert "Approved" in entity_tab
    assert "LIVE Management" in categories_tab
    assert "Short Video Management" in categories_tab
    assert "Draft" in categories_tab


def test_roles_appear_as_categories_are_approved_and_the_switch_persists(client, alice, rita):
    # given: approved as a seller service partner and as a creator matchmaker
    make_application(alice, state="approved", reviewer=rita)
    make_application(alice, state="approved", reviewer=rita, category="creator-matchmaking")
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert "Seller Service Partner" in page
    assert "Seller Service - Creator Matchmaking" in page

    # when
    response = client.post("/onboarding/role/", {"role": "creator-matchmaking", "next": "/"})

    # then: the choice is kept on the account, across a new login
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.active_role.code == "creator-matchmaking"
    client.logout()
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert '<li class="menu-heading">Seller Service - Creator Matchmaking</li>' in page
    assert 'value="creator-matchmaking" selected' in page


def test_a_role_not_held_cannot_be_picked(alice_client, alice):
    response = alice_client.post("/onboarding/role/", {"role": "app-developer"})

    assert response.status_code == 404
    alice.refresh_from_db()
    assert alice.active_role is None


def test_no_role_switcher_before_any_approval(alice_client):
    page = alice_client.get("/").content.decode()

    assert "role-switcher" not in page
