"""Emails are written in the recipient's language: the request's for a code the partner asks
for, the one kept on the account for a reviewer's decision."""

from django.core import mail
from django.utils import translation

from notifications.models import Notification
from onboarding import services
from tests.onboarding.conftest import make_application

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def test_the_verification_code_email_is_in_the_request_language(alice_client):
    alice_client.post("/my-account/change/email/", {"action": "send", "channel": "email"}, **ZH)

    (email,) = mail.outbox
    assert email.subject.startswith("[合作伙伴中心] 你的验证码：")
    assert "你的合作伙伴中心验证码是" in email.body
    assert "用途：修改登录邮箱" in email.body


def test_a_decision_reaches_a_chinese_partner_in_chinese(
    alice, rita, django_capture_on_commit_callbacks
):
    # given: alice reads Chinese; rita reviews in English
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    application = make_application(alice, state="pending_review")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_application(
            application_id=application.pk, by=rita, approve=False, reason="Blurred scan"
        )

    # then
    notification = Notification.objects.get(user=alice)
    assert notification.title == "未通过：直播代运营（英国）"
    (email,) = mail.outbox
    assert email.subject == "[合作伙伴中心] 未通过：直播代运营（英国）"
    assert "你在英国的商家服务 › 直播代运营申请未通过。" in email.body
    assert "Blurred scan" in email.body
    assert "请打开申请，点击“修改”，更正信息后重新提交。" in email.body


def test_a_reviewer_working_in_chinese_writes_to_an_english_partner_in_english(
    alice, rita, django_capture_on_commit_callbacks
):
    application = make_application(alice, state="pending_review")

    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        services.decide_application(application_id=application.pk, by=rita, approve=True)

    (email,) = mail.outbox
    assert email.subject == "[Partner Center] Approved: LIVE Management in United Kingdom"
    assert "was approved" in email.body
