import pytest
from django.urls import reverse

from apps_services import services
from apps_services.models import App, AppEvent, AppState, AppType

from .conftest import make_app, make_developer


def test_publish_is_refused_before_certification_with_the_reason_and_a_link(alice, alice_client):
    # given: the developer application is saved but not approved
    application = make_developer(alice, state="draft")
    app = make_app(alice)

    # when
    page = alice_client.get(app.get_absolute_url())
    response = alice_client.post(reverse("apps_services:app-publish", args=[app.pk]), follow=True)

    # then
    app.refresh_from_db()
    assert app.state == AppState.DRAFT
    assert "certification is not approved yet" in page.text
    assert application.get_absolute_url() in page.text
    assert "certification is not approved yet" in response.text
    assert not app.events.filter(kind=AppEvent.Kind.PUBLISHED).exists()


def test_publish_is_refused_while_the_application_is_pending_review(alice):
    # given
    make_developer(alice, state="pending_review")
    app = make_app(alice)

    # when / then
    with pytest.raises(services.AppActionRefused, match="not approved yet"):
        services.publish_app(app_id=app.pk, by=alice)


def test_custom_app_publishes_at_once_after_certification(alice, alice_client, rita):
    # given: created while in draft, then the application is approved
    application = make_developer(alice, state="pending_review")
    app = make_app(alice)
    from onboarding.services import decide_application

    decide_application(application_id=application.pk, by=rita, approve=True)

    # when
    response = alice_client.post(reverse("apps_services:app-publish", args=[app.pk]), follow=True)

    # then
    app.refresh_from_db()
    assert app.state == AppState.PUBLISHED
    assert app.published_at is not None
    assert f"/open/authorize?service_id={app.service_id}" in response.text
    event = app.events.get(kind=AppEvent.Kind.PUBLISHED)
    assert (event.by, event.source, event.target) == (alice, AppState.DRAFT, AppState.PUBLISHED)


def test_public_app_goes_to_review_and_a_reviewer_publishes_it_in_admin(
    certified_alice, alice_client, rita, client
):
    # given
    app = make_app(certified_alice, app_type=AppType.PUBLIC)

    # when: the developer publishes
    alice_client.post(reverse("apps_services:app-publish", args=[app.pk]))
    app.refresh_from_db()

    # then: it waits for app review
    assert app.state == AppState.IN_REVIEW

    # when: a reviewer approves in admin
    client.force_login(rita)
    page = client.get(reverse("admin:apps_services_app_change", args=[app.pk]))
    client.post(reverse("admin:apps_services_app_approve", args=[app.pk]))

    # then
    app.refresh_from_db()
    assert "Approve and publish" in page.text
    assert app.state == AppState.PUBLISHED
    assert list(app.events.values_list("kind", flat=True)) == [
        AppEvent.Kind.CREATED,
        AppEvent.Kind.SUBMITTED,
        AppEvent.Kind.REVIEW_APPROVED,
    ]
    assert app.events.get(kind=AppEvent.Kind.REVIEW_APPROVED).by == rita


def test_reviewer_rejection_sends_the_app_back_with_the_reason(certified_alice, rita, client):
    # given
    app = make_app(certified_alice, app_type=AppType.PUBLIC)
    services.publish_app(app_id=app.pk, by=certified_alice)
    client.force_login(rita)

    # when
    client.post(
        reverse("admin:apps_services_app_reject", args=[app.pk]),
        {"reason": "The redirect URL answers 404."},
    )

    # then
    app.refresh_from_db()
    assert app.state == AppState.DRAFT
    assert app.review_note == "The redirect URL answers 404."


def test_app_review_needs_the_reviewer_permission(certified_alice, bob):
    # given: bob is staff but not a reviewer
    app = make_app(certified_alice, app_type=AppType.PUBLIC)
    services.publish_app(app_id=app.pk, by=certified_alice)
    bob.is_staff = True
    bob.save()

    # when / then
    with pytest.raises(services.AppActionRefused):
        services.review_app(app_id=app.pk, by=bob, approve=True)
    with pytest.raises(services.AppActionRefused):
        services.review_app(app_id=app.pk, by=certified_alice, approve=True)
    assert App.objects.get(pk=app.pk).state == AppState.IN_REVIEW


def test_state_cannot_be_set_directly(certified_alice):
    app = make_app(certified_alice)

    with pytest.raises(AttributeError):
        app.state = AppState.PUBLISHED
