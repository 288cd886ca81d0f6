"""SPEC §3.14: the partner requests the due-diligence questionnaire for their region; it
arrives once, as an in-app notification and an email."""

import pytest
from django.core import mail

from accounts.models import AccountBlacklisted
from compliance import services
from compliance.models import ComplianceReview
from notifications.models import Notification


def test_request_delivers_one_notification_and_one_email(
    client, uk_developer, django_capture_on_commit_callbacks
):
    # given
    client.force_login(uk_developer)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/onboarding/compliance/questionnaire/", follow=True)

    # then
    (notification,) = Notification.objects.filter(user=uk_developer)
    assert notification.kind == Notification.Kind.QUESTIONNAIRE
    assert "United Kingdom" in notification.title
    assert notification.email_sent_at is not None
    (email,) = mail.outbox
    assert email.to == ["alice@example.com"]
    assert "partner.uk@tiktokshop.com" in email.body
    assert "Companies House" in email.body
    review = ComplianceReview.objects.get(user=uk_developer)
    assert review.questionnaire_requested_at is not None
    assert review.questionnaire_region == "uk"
    assert "The questionnaire is on its way" in response.content.decode()


def test_requesting_again_sends_nothing_more(
    client, uk_developer, django_capture_on_commit_callbacks
):
    # given
    client.force_login(uk_developer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/onboarding/compliance/questionnaire/")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/onboarding/compliance/questionnaire/", follow=True)

    # then
    assert Notification.objects.filter(user=uk_developer).count() == 1
    assert len(mail.outbox) == 1
    assert "You requested the questionnaire already" in response.content.decode()


def test_page_offers_the_request_then_shows_the_questionnaire(
    client, uk_developer, django_capture_on_commit_callbacks
):
    client.force_login(uk_developer)
    assert "Request questionnaire" in client.get("/onboarding/compliance/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/onboarding/compliance/questionnaire/")

    body = client.get("/onboarding/compliance/").content.decode()
    assert "Request questionnaire" not in body
    assert "Bribery Act 2010" in body


def test_us_developers_get_the_us_questionnaire(us_developer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_questionnaire(user=us_developer)

    (email,) = mail.outbox
    assert "partner.us@tiktokshop.com" in email.body
    assert "OFAC" in email.body


def test_developers_required_case_by_case_get_the_general_questionnaire(
    my_developer, rita, django_capture_on_commit_callbacks
):
    # given
    services.require_compliance_review(user=my_developer, by=rita, reason="Payment data.")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.request_questionnaire(user=my_developer)

    # then
    email = mail.outbox[-1]
    assert "Due-diligence questionnaire" in email.subject
    assert "partner@tiktokshop.com" in email.body
    assert ComplianceReview.objects.get(user=my_developer).questionnaire_region == "other"


def test_refused_when_no_review_is_required(client, my_developer):
    # given
    client.force_login(my_developer)

    # when
    response = client.post("/onboarding/compliance/questionnaire/", follow=True)

    # then
    assert "not required for your account" in response.content.decode()
    assert not Notification.objects.exists()
    assert not ComplianceReview.objects.exists()
    assert mail.outbox == []


def test_a_blacklisted_developer_cannot_request_it_from_the_shell(uk_developer):
    uk_developer.blacklist(by=None, reason="three security review rejections")

    with pytest.raises(AccountBlacklisted):
        services.request_questionnaire(user=uk_developer)

    assert not Notification.objects.exists()
