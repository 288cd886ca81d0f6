"""SPEC §3.14: compliance review is always required for US and UK developers, and case by
case (a reviewer marks it) for any other developer."""

import pytest
from django.core import mail

from compliance import services
from compliance.models import ComplianceReview
from notifications.models import Notification
from tests.conftest import make_user

from .conftest import make_developer


def test_required_for_a_uk_developer(uk_developer):
    review = ComplianceReview.of(uk_developer)

    assert review.is_required
    assert "UK" in review.required_because()


def test_required_for_a_us_developer(us_developer):
    review = ComplianceReview.of(us_developer)

    assert review.is_required
    assert "US" in review.required_because()


def test_required_for_a_cross_border_developer_targeting_the_uk(alice):
    # given
    make_developer(alice, region="CN", market="UK")

    # when
    review = ComplianceReview.of(alice)

    # then
    assert review.is_required


def test_not_required_for_a_developer_elsewhere(my_developer):
    review = ComplianceReview.of(my_developer)

    assert review.is_developer
    assert not review.is_required


def test_not_required_for_a_uk_service_partner_who_is_no_developer(alice):
    # given
    make_developer(alice, region="UK", kind="tsp", category="live-management")

    # when
    review = ComplianceReview.of(alice)

    # then
    assert not review.is_developer
    assert not review.is_required


def test_reading_the_page_writes_nothing(client, uk_developer):
    client.force_login(uk_developer)

    response = client.get("/onboarding/compliance/")

    assert response.status_code == 200
    assert "always required for UK partners" in response.content.decode()
    assert not ComplianceReview.objects.exists()


def test_page_tells_a_developer_elsewhere_it_is_not_required(client, my_developer):
    client.force_login(my_developer)

    response = client.get("/onboarding/compliance/")

    body = response.content.decode()
    assert "not required for your account" in body
    assert "Request questionnaire" not in body


def test_a_reviewer_requires_it_case_by_case_and_the_partner_is_told(
    my_developer, rita, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        review = services.require_compliance_review(
            user=my_developer, by=rita, reason="Your app will process payment data."
        )

    # then
    review = ComplianceReview.of(my_developer)
    assert review.is_required
    assert "payment data" in review.required_because()
    (row,) = review.transitions.all()
    assert (row.name, row.by, row.reason) == (
        "mark_required",
        rita,
        "Your app will process payment data.",
    )
    (notification,) = Notification.objects.filter(user=my_developer)
    assert notification.kind == Notification.Kind.COMPLIANCE_REQUIRED
    assert mail.outbox[0].to == ["bob@example.com"]
    assert "payment data" in mail.outbox[0].body


def test_a_reviewer_requires_it_from_the_admin(client, my_developer, rita):
    # given
    client.force_login(rita)

    # when
    response = client.post(
        "/admin/compliance/compliancereview/require/",
        {"partner": my_developer.pk, "reason": "Sellers reported data misuse."},
    )

    # then
    review = ComplianceReview.objects.get(user=my_developer)
    assert response.status_code == 302
    assert review.marked_required
    assert review.marked_required_by == rita


def test_the_admin_form_needs_a_reason(client, my_developer, rita):
    client.force_login(rita)

    response = client.post(
        "/admin/compliance/compliancereview/require/", {"partner": my_developer.pk, "reason": ""}
    )

    assert response.status_code == 200
    assert not ComplianceReview.objects.exists()


def test_only_developers_can_be_required(alice, rita):
    # given
    make_developer(alice, region="MY", kind="tsp", category="live-management")

    # when / then
    with pytest.raises(services.DecisionRefused, match="not a developer"):
        services.require_compliance_review(user=alice, by=rita, reason="Just because.")
    assert not ComplianceReview.objects.exists()


def test_staff_without_the_reviewer_permission_cannot_require_it(client, my_developer):
    # given
    staff = make_user(email="sam@example.com", is_staff=True)
    client.force_login(staff)

    # when
    response = client.post(
        "/admin/compliance/compliancereview/require/",
        {"partner": my_developer.pk, "reason": "Curious."},
    )

    # then
    assert response.status_code == 403
    with pytest.raises(services.DecisionRefused):
        services.require_compliance_review(user=my_developer, by=staff, reason="Curious.")
    assert not ComplianceReview.objects.exists()


def test_developer_menu_has_compliance_review(client, alice, rita):
    # given
    from tests.apps_services.conftest import make_developer as make_certified

    make_certified(alice, state="approved", reviewer=rita)
    client.force_login(alice)

    # when
    response = client.get("/")

    # then
    assert 'href="/onboarding/compliance/"' in response.content.decode()
