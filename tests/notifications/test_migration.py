"""Notification moved from onboarding to this app without touching its table: a row written
before the move reads through the new model, keeps its content type (so its permissions), and
one that was not emailed yet is emailed once."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from notifications import tasks
from notifications.models import Notification

BEFORE = [("onboarding", "0007_notification_params"), ("notifications", None)]


def latest() -> list[tuple[str, str]]:
    """Every app at its latest migration (the move, and every migration after it)."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def migrate(targets):
    """Migrate to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets[0]).apps


def notification_content_types():
    ContentType.objects.clear_cache()
    return list(ContentType.objects.filter(model="notification").values_list("pk", "app_label"))


def test_rows_written_before_the_move_are_read_and_sent_once_after_it(alice):
    ((content_type, _label),) = notification_content_types()
    view = Permission.objects.get(content_type=content_type, codename="view_notification")
    try:
        # given: the schema before the move, and two rows written through onboarding's model
        old_apps = migrate(BEFORE)
        assert notification_content_types() == [(content_type, "onboarding")]
        OldNotification = old_apps.get_model("onboarding", "Notification")
        params = {"category": "LIVE Management", "first_level": "", "market": "United Kingdom"}
        waiting = OldNotification.objects.create(
            user_id=alice.pk,
            kind="application_approved",
            params=params,
            title="Approved: LIVE Management in United Kingdom",
            url="/onboarding/applications/7/",
        )
        sent = OldNotification.objects.create(
            user_id=alice.pk,
            kind="application_rejected",
            title="Old title",
            body="Old body",
            email_sent_at=timezone.now(),
        )
    finally:
        # when
        migrate(latest())

    # then: the same rows, through the new model, on the same table
    assert Notification._meta.db_table == "onboarding_notification"
    moved = Notification.objects.get(pk=waiting.pk)
    assert (moved.user, moved.kind, moved.params) == (alice, "application_approved", params)
    assert moved.display_title == "Approved: LIVE Management in United Kingdom"
    assert Notification.objects.get(pk=sent.pk).display_body == "Old body"
    # the content type moved with it, and its permissions with the content type
    assert notification_content_types() == [(content_type, "notifications")]
    assert Permission.objects.get(pk=view.pk).content_type_id == content_type

    # when: the sweep runs, twice
    sent_now = [tasks.sweep(), tasks.sweep()]

    # then: the waiting row is emailed once; the sent one is not emailed again
    assert sent_now == [1, 0]
    (email,) = mail.outbox
    assert email.subject == "[Partner Center] Approved: LIVE Management in United Kingdom"
    assert "/onboarding/applications/7/" in email.body
    assert email.extra_headers["Message-ID"] == f"<notification-{waiting.pk}@partner-center>"
