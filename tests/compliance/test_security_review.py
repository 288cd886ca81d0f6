"""SPEC §3.14: the security review form, filled in English, and what the partner sees
before submitting (the consecutive-rejections count)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from compliance import services
from compliance.models import ComplianceReview, validate_english

from .conftest import ANSWERS, reject, submit_review

URL = "/onboarding/compliance/security-review/"


def form_data(action="submit", **overrides):
    data = {**ANSWERS, **overrides, "action": action}
    data["last_penetration_test_on"] = str(data["last_penetration_test_on"])
    return data


@pytest.mark.parametrize(
    "text",
    [
        "AWS eu-west-2 (London)",
        "Données chiffrées avec AES-256",  # accented Latin letters are still Latin
        "Security team, lead: Wei Zhang (张伟)",
        "2025-11-03, 10.0.0.0/8",  # no letters at all
    ],
)
def test_english_answers_pass(text):
    validate_english(text)


@pytest.mark.parametrize(
    "text",
    [
        "数据存储在阿里云北京区域",
        "Данные хранятся в Москве",
        "AWS 北京区域数据中心",
        "ข้อมูลถูกเข้ารหัส",
    ],
)
def test_answers_mostly_in_another_script_are_refused(text):
    with pytest.raises(ValidationError, match="Please answer in English"):
        validate_english(text)


def test_form_refuses_an_answer_not_in_english_with_a_clear_message(client, uk_developer):
    # given
    client.force_login(uk_developer)

    # when
    response = client.post(URL, form_data(data_storage_location="数据存储在阿里云北京区域"))

    # then
    assert response.status_code == 200
    assert "Please answer in English" in response.content.decode()
    assert not ComplianceReview.objects.exists()


def test_submit_from_the_shell_refuses_an_answer_not_in_english(uk_developer):
    # when
    with pytest.raises(services.SubmissionRefused) as refused:
        submit_review(uk_developer, {**ANSWERS, "access_control": "只有两名工程师可以访问"})

    # then
    assert "Please answer in English" in refused.value.errors["access_control"]
    review = ComplianceReview.objects.get(user=uk_developer)
    assert review.state == "draft"
    assert not review.transitions.exists()


def test_submit_goes_to_review_and_keeps_the_answers_in_the_history(client, uk_developer):
    # given
    client.force_login(uk_developer)

    # when
    response = client.post(URL, form_data())

    # then
    assert response.status_code == 302
    review = ComplianceReview.objects.get(user=uk_developer)
    assert review.state == "pending_review"
    (row,) = review.transitions.all()
    assert (row.name, row.source, row.target, row.by) == (
        "submit",
        "draft",
        "pending_review",
        uk_developer,
    )
    assert row.answers["data_storage_location"] == ANSWERS["data_storage_location"]


def test_save_draft_keeps_a_partial_form(client, uk_developer):
    client.force_login(uk_developer)

    response = client.post(
        URL, {"action": "save", "data_storage_location": "GCP europe-west2 (London)"}
    )

    assert response.status_code == 302
    review = ComplianceReview.objects.get(user=uk_developer)
    assert review.state == "draft"
    assert review.data_storage_location == "GCP europe-west2 (London)"


def test_submit_lists_what_is_missing_and_keeps_what_was_typed(client, uk_developer):
    client.force_login(uk_developer)

    response = client.post(
        URL, {"action": "submit", "data_storage_location": "GCP europe-west2 (London)"}
    )

    assert response.status_code == 200
    assert "This field is required to submit." in response.content.decode()
    review = ComplianceReview.objects.get(user=uk_developer)
    assert review.state == "draft"
    assert review.data_storage_location == "GCP europe-west2 (London)"


def test_a_penetration_test_in_the_future_is_refused(client, uk_developer):
    client.force_login(uk_developer)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client.post(URL, form_data(last_penetration_test_on=str(tomorrow)))

    assert "The date cannot be in the future." in response.content.decode()
    assert not ComplianceReview.objects.exists()


def test_answers_under_review_cannot_change(client, uk_developer):
    # given
    submit_review(uk_developer)
    client.force_login(uk_developer)

    # when
    response = client.post(URL, form_data(data_storage_location="Somewhere else"))

    # then
    assert "being reviewed and cannot be changed" in response.content.decode()
    review = ComplianceReview.objects.get(user=uk_developer)
    assert review.data_storage_location == ANSWERS["data_storage_location"]
    with pytest.raises(services.ComplianceRefused):
        services.save_security_review(user=uk_developer, answers={"third_parties": "None"})


def test_the_form_shows_the_count_before_the_first_submission(client, uk_developer):
    client.force_login(uk_developer)

    body = client.get(URL).content.decode()

    assert "Consecutive rejections: 0 of 3" in body
    assert "your account is blacklisted automatically" in body


def test_the_form_shows_two_of_three_and_what_a_third_means(client, uk_developer, rita):
    # given
    review = submit_review(uk_developer)
    review = reject(review, rita)
    review = submit_review(uk_developer)
    reject(review, rita, reason="Name the KMS key owner.")
    client.force_login(uk_developer)

    # when
    form_page = client.get(URL).content.decode()
    overview = client.get("/onboarding/compliance/").content.decode()

    # then
    for body in (form_page, overview):
        assert "Consecutive rejections: 2 of 3" in body
        assert "The next rejection will blacklist your account." in body
        assert "Name the KMS key owner." in body


def test_another_partner_never_sees_the_answers(client, uk_developer, bob):
    # given
    submit_review(uk_developer)
    client.force_login(bob)

    # when
    body = client.get(URL, follow=True).content.decode()

    # then
    assert ANSWERS["data_storage_location"] not in body
