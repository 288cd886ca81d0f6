"""Notifications lead somewhere and read in the reader's language; their email links start
with PORTAL_BASE_URL."""

import re

from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notification
from onboarding import services
from tests.onboarding.conftest import make_application

PORTAL = "https://partner.example.com"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def reject(application, reviewer, *, reason="Blurred scan", field_reasons=None):
    services.decide_application(
        application_id=application.pk,
        by=reviewer,
        approve=False,
        reason=reason,
        field_reasons=field_reasons,
    )
    return Notification.objects.get(user=application.user)


# --- PORTAL_BASE_URL -------------------------------------------------------------------


def test_notification_email_links_start_with_portal_base_url(
    settings, alice, rita, django_capture_on_commit_callbacks
):
    # given
    settings.PORTAL_BASE_URL = PORTAL
    application = make_application(alice, state="pending_review")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        reject(application, rita)

    # then
    links = re.findall(r"https?://\S+", mail.outbox[-1].body)
    assert links == [f"{PORTAL}/onboarding/applications/{application.pk}/"]


# --- opening a notification ------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_lands_on_its_application(
    alice, alice_client, rita
):
    # given
    application = make_application(alice, state="pending_review")
    notification = reject(application, rita)
    inbox = alice_client.get(reverse("notifications:notifications")).content.decode()
    open_url = reverse("notifications:notification-open", args=[notification.pk])
    assert f'href="{open_url}"' in inbox

    # when
    response = alice_client.get(open_url)

    # then
    assert response.status_code == 302
    assert response.url == application.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = alice_client.get(response.url)
    assert page.context["unread_notifications"] == 0


def test_another_partners_notification_cannot_be_opened(alice, bob, rita, client):
    # given
    notification = reject(make_application(alice, state="pending_review"), rita)
    client.force_login(bob)
    url = reverse("notifications:notification-open", args=[notification.pk])

    # when
    responses = [client.get(url), client.post(url)]

    # then
    assert [r.status_code for r in responses] == [404, 404]
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_as_read_reads_only_the_partners_own(alice, alice_client, bob, rita):
    # given
    mine = reject(make_application(alice, state="pending_review"), rita)
    theirs = reject(make_application(bob, state="pending_review"), rita)

    # when
    response = alice_client.post(reverse("notifications:notifications-read-all"))

    # then
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


# --- the reader's language -------------------------------------------------------------


def test_a_notification_written_in_english_reads_in_chinese_after_switching(
    alice, alice_client, rita
):
    # given: alice uses English when the decision is made
    alice.language = "en"
    alice.save(update_fields=["language"])
    reject(
        make_application(alice, state="pending_review"),
        rita,
        field_reasons={"entity-business_certificate": "Upload a sharper scan."},
    )

    # when
    page = alice_client.get(reverse("notifications:notifications"), **ZH).content.decode()

    # then
    assert "未通过" in page
    assert "Not approved:" not in page
    assert "Blurred scan" in page  # the reviewer's words are kept as written
    assert "Upload a sharper scan." in page


def test_the_email_stays_in_the_recipients_saved_language(
    alice, rita, django_capture_on_commit_callbacks
):
    # given
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    application = make_application(alice, state="pending_review")

    # when: the reviewer works in English
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        reject(application, rita)

    # then
    assert "未通过" in mail.outbox[-1].subject


def test_a_notification_stored_as_text_still_shows_its_text(alice, alice_client):
    # given: a row written before notifications kept their params
    Notification.objects.create(
        user=alice, kind=Notification.Kind.APPLICATION_APPROVED, title="Old title", body="Old"
    )

    # when
    page = alice_client.get(reverse("notifications:notifications"), **ZH).content.decode()

    # then
    assert "Old title" in page


def test_a_read_notification_has_no_new_badge(alice, alice_client, rita):
    notification = reject(make_application(alice, state="pending_review"), rita)
    Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())

    page = alice_client.get(reverse("notifications:notifications")).content.decode()

    assert "unread" not in page.split('<ul class="notifications">')[1]
