"""The Open API's models, moved from apps_services: state only, the apps_services_* tables
are kept (each model names its table in Meta.db_table)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("apps_services", "0006_getstarted_own_shop_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's idea of which app owns them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Authorization",
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
                            "seller_account_id",
                            models.CharField(
                                db_index=True, max_length=64, verbose_name="seller account id"
                            ),
                        ),
                        (
                            "seller_name",
                            models.CharField(max_length=120, verbose_name="seller name"),
                        ),
                        (
                            "seller_base_region",
                            models.CharField(max_length=2, verbose_name="seller base region"),
                        ),
                        ("shop_id", models.CharField(max_length=32, verbose_name="shop id")),
                        ("shop_name", models.CharField(max_length=120, verbose_name="shop name")),
                        ("shop_region", models.CharField(max_length=2, verbose_name="shop region")),
                        (
                            "shop_cipher",
                            models.CharField(max_length=64, verbose_name="shop cipher"),
                        ),
                        (
                            "seller_type",
                            models.CharField(max_length=12, verbose_name="seller type"),
                        ),
                        ("open_id", models.CharField(max_length=64, verbose_name="open id")),
                        (
                            "granted_scopes",
                            models.JSONField(default=list, verbose_name="granted scopes"),
                        ),
                        (
                            "authorized_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="authorized at"
                            ),
                        ),
                        ("expires_at", models.DateTimeField(verbose_name="expires at")),
                        (
                            "revoked_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="ended at"),
                        ),
                        (
                            "ended_by",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("seller", "Revoked by the seller"),
                                    ("developer", "Deauthorized by the developer"),
                                    ("app_deactivated", "App deactivated"),
                                ],
                                max_length=16,
                                verbose_name="ended by",
                            ),
                        ),
                        (
                            "expiry_notified_on",
                            models.DateField(blank=True, editable=False, null=True),
                        ),
                        (
                            "app",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="authorizations",
                                to="apps_services.app",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "seller authorization",
                        "verbose_name_plural": "seller authorizations",
                        "db_table": "apps_services_authorization",
                        "ordering": ["-authorized_at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="AuthCode",
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
                        ("code_hash", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("used_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "app",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="apps_services.app",
                            ),
                        ),
                        (
                            "authorization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="auth_codes",
                                to="open_api.authorization",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "auth code",
                        "verbose_name_plural": "auth codes",
                        "db_table": "apps_services_authcode",
                    },
                ),
                migrations.CreateModel(
                    name="AccessToken",
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
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "app",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="access_tokens",
                                to="apps_services.app",
                            ),
                        ),
                        (
                            "auth_code",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="open_api.authcode",
                            ),
                        ),
                        (
                            "authorization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="open_api.authorization",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "access token",
                        "verbose_name_plural": "access tokens",
                        "db_table": "apps_services_accesstoken",
                    },
                ),
                migrations.CreateModel(
                    name="RefreshToken",
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
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("rotated_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "app",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="refresh_tokens",
                                to="apps_services.app",
                            ),
                        ),
                        (
                            "auth_code",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="open_api.authcode",
                            ),
                        ),
                        (
                            "authorization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="open_api.authorization",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "refresh token",
                        "verbose_name_plural": "refresh tokens",
                        "db_table": "apps_services_refreshtoken",
                    },
                ),
                migrations.CreateModel(
                    name="WebhookDelivery",
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
                            "event_type",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (6, "Seller deauthorization"),
                                    (7, "Upcoming authorization expiration"),
                                ]
                            ),
                        ),
                        ("notification_id", models.CharField(max_length=40, unique=True)),
                        ("shop_id", models.CharField(max_length=32)),
                        ("body", models.TextField()),
                        ("is_test", models.BooleanField(default=False)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("succeeded", "Delivered"),
                                    ("given_up", "Given up"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(
                                default=0,
                                help_text="Failed attempts in the current round of the retry schedule.",
                            ),
                        ),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "app",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="webhook_deliveries",
                                to="apps_services.app",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "webhook delivery",
                        "verbose_name_plural": "webhook deliveries",
                        "db_table": "apps_services_webhookdelivery",
                        "ordering": ["-created_at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookAttempt",
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
                        ("number", models.PositiveSmallIntegerField()),
                        ("at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("url", models.CharField(max_length=500)),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("latency_ms", models.PositiveIntegerField(default=0)),
                        ("response_excerpt", models.CharField(blank=True, max_length=500)),
                        ("error", models.CharField(blank=True, max_length=255)),
                        ("succeeded", models.BooleanField(default=False)),
                        (
                            "delivery",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attempt_log",
                                to="open_api.webhookdelivery",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "webhook attempt",
                        "verbose_name_plural": "webhook attempts",
                        "db_table": "apps_services_webhookattempt",
                        "ordering": ["delivery", "number"],
                    },
                ),
                migrations.AddIndex(
                    model_name="authorization",
                    index=models.Index(
                        fields=["app", "revoked_at", "-authorized_at"],
                        name="apps_authorization_list",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="authorization",
                    constraint=models.UniqueConstraint(
                        fields=("app", "shop_id"), name="apps_authorization_app_shop"
                    ),
                ),
                migrations.AddIndex(
                    model_name="webhookdelivery",
                    index=models.Index(
                        condition=models.Q(("state", "pending")),
                        fields=["next_attempt_at"],
                        name="apps_webhook_outbox",
                    ),
                ),
                migrations.AddIndex(
                    model_name="webhookdelivery",
                    index=models.Index(fields=["app", "-created_at"], name="apps_webhook_log"),
                ),
            ],
        ),
    ]
