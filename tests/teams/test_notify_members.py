"""SPEC §8.1: a partner account's notifications go to its main account and to each member
whose role reads the notification's module and Notifications; each recipient has their own
inbox row and gets the email once."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.permissions import Module
from notifications import registry, tasks
from notifications.models import Notification
from notifications.services import announce
from onboarding import emails
from onboarding.services import decide_application
from tests.conftest import make_member
from tests.onboarding.conftest import (  # noqa: F401 (autouse fixtures)
    _private_media,
    _tasks_in_process,
    make_application,
)

PROFILE_READER = {"profile": 1, "notifications": 1}


@pytest.fixture
def team(alice):
    """Alice's team: one member told of profile news, three who are not."""
    return {
        "told": make_member(account=alice, email="told@alice.example", role=PROFILE_READER),
        "no_notifications": make_member(
            account=alice, email="quiet@alice.example", role={"profile": 2}
        ),
        "no_profile": make_member(
            account=alice, email="apps@alice.example", role={"apps": 2, "notifications": 2}
        ),
        "inactive": make_member(
            account=alice, email="gone@alice.example", role=PROFILE_READER, is_active=False
        ),
    }


def test_a_decision_notifies_the_account_and_the_members_whose_role_covers_it(
    alice, rita, team, django_capture_on_commit_callbacks
):
    # given
    application = make_application(alice, state="pending_review")
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        decide_application(application_id=application.pk, by=rita, approve=True)

    # then: one row and one email each, for alice and the member told of profile news
    recipients = {alice.email, team["told"].email}
    rows = Notification.objects.filter(kind=Notification.Kind.APPLICATION_APPROVED)
    assert sorted(rows.values_list("user__email", flat=True)) == sorted(recipients)
    assert sorted(to for message in mail.outbox for to in message.to) == sorted(recipients)
    assert all(row.email_sent_at for row in rows)


def test_the_sweep_sends_no_member_a_second_email(
    alice, rita, team, django_capture_on_commit_callbacks
):
    # given: everyone was emailed once
    application = make_application(alice, state="pending_review")
    with django_capture_on_commit_callbacks(execute=True):
        decide_application(application_id=application.pk, by=rita, approve=False, reason="No.")
    sent = len(mail.outbox)

    # when
    swept = tasks.sweep()

    # then
    assert swept == 0
    assert len(mail.outbox) == sent


def test_each_recipients_inbox_holds_only_their_own_row(
    client, alice, rita, team, django_capture_on_commit_callbacks
):
    # given
    application = make_application(alice, state="pending_review")
    with django_capture_on_commit_callbacks(execute=True):
        decide_application(application_id=application.pk, by=rita, approve=True)
    alices = Notification.objects.get(user=alice)
    members = Notification.objects.get(user=team["told"])
    client.force_login(team["told"])

    # when
    inbox = client.get(reverse("notifications:notifications")).content.decode()
    opened_alices = client.get(reverse("notifications:notification-open", args=[alices.pk]))
    opened_own = client.get(reverse("notifications:notification-open", args=[members.pk]))

    # then
    assert reverse("notifications:notification-open", args=[members.pk]) in inbox
    assert reverse("notifications:notification-open", args=[alices.pk]) not in inbox
    assert opened_alices.status_code == 404
    assert opened_own.status_code == 302
    alices.refresh_from_db()
    assert alices.read_at is None


def test_a_notification_addressed_to_a_member_goes_to_their_account(
    alice, rita, team, django_capture_on_commit_callbacks
):
    # given
    application = make_application(alice, state="approved", reviewer=rita)
    Notification.objects.all().delete()
    fields = emails.decision_notification(application, approved=True)
    fields = Notification.compose(
        user=team["no_profile"], kind=fields["kind"], params=fields["params"], url=fields["url"]
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        row = announce(**fields)

    # then
    assert row.user == alice
    assert set(Notification.objects.values_list("user__email", flat=True)) == {
        alice.email,
        team["told"].email,
    }


def test_finding_the_members_to_tell_is_one_query(alice, rita, team):
    # given
    application = make_application(alice, state="approved", reviewer=rita)
    fields = emails.decision_notification(application, approved=True)
    make_member(account=alice, email="told2@alice.example", role=PROFILE_READER)

    # when
    with CaptureQueriesContext(connection) as captured:
        announce(**fields)

    # then: one read (members with their roles), then one insert per recipient
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    inserts = [q for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(reads) == 1, reads
    assert len(inserts) == 3


def test_a_member_reads_their_notification_in_their_own_language(
    alice, rita, django_capture_on_commit_callbacks
):
    # given
    member = make_member(
        account=alice, email="li@alice.example", role=PROFILE_READER, language="zh-hans"
    )
    application = make_application(alice, state="pending_review")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        decide_application(application_id=application.pk, by=rita, approve=True)

    # then: the row's stored text is each recipient's
    alices = Notification.objects.get(user=alice)
    members = Notification.objects.get(user=member)
    assert alices.params == members.params
    assert alices.title.startswith("Approved")
    assert members.title != alices.title


def test_every_kind_declares_the_module_it_is_about():
    undeclared = {kind for kind in Notification.Kind.values if registry.module_for(kind) is None}

    assert not undeclared
    assert registry.module_for(Notification.Kind.APPLICATION_REJECTED) == Module.PROFILE
    assert registry.module_for(Notification.Kind.SECURITY_REJECTED) == Module.PROFILE


def test_the_registry_names_the_notifications_module_of_the_teams():
    assert registry.NOTIFICATIONS_MODULE == Module.NOTIFICATIONS


def test_a_members_bell_counts_its_own_unread_copies(
    client, alice, rita, team, django_capture_on_commit_callbacks
):
    # given alice has read her copy of a decision; her member has not read theirs
    application = make_application(alice, state="pending_review")
    with django_capture_on_commit_callbacks(execute=True):
        decide_application(application_id=application.pk, by=rita, approve=True)
    Notification.objects.filter(user=alice).update(read_at=application.submitted_at)

    # when
    client.force_login(team["told"])
    member_page = client.get(reverse("accounts:profile"))
    client.force_login(alice)
    alice_page = client.get(reverse("accounts:profile"))

    # then
    assert member_page.context["unread_notifications"] == 1
    assert alice_page.context["unread_notifications"] == 0
