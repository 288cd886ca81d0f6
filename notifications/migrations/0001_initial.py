"""Notification moves here from onboarding. The table, its rows and its indexes stay as they
are (`db_table` is the old name): this migration only tells Django's state where the model
lives now, and moves its content type (admin log entries and permissions follow it)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, *, source="onboarding", target="notifications"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=target, model="notification").exists():
        return  # made by a post_migrate run in between; the old one then has nothing left
    ContentType.objects.filter(app_label=source, model="notification").update(app_label=target)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="notifications", target="onboarding")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("onboarding", "0007_notification_params"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("application_approved", "Application approved"),
                                    ("application_rejected", "Application not approved"),
                                    ("compliance_questionnaire", "Due-diligence questionnaire"),
                                    ("compliance_required", "Compliance review required"),
                                    ("security_review_approved", "Security review approved"),
                                    ("security_review_rejected", "Security review not approved"),
                                    ("account_blacklisted", "Account blacklisted"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("title", models.CharField(blank=True, max_length=200)),
                        ("body", models.TextField(blank=True)),
                        ("url", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("email_sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "db_table": "onboarding_notification",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("email_sent_at", None)),
                                fields=["created_at"],
                                name="onboarding_notif_outbox",
                            ),
                            models.Index(
                                fields=["user", "read_at"], name="onboarding_notif_unread"
                            ),
                            models.Index(
                                fields=["user", "-created_at"], name="onboarding_notif_list"
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
