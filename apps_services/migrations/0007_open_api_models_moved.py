"""The Open API's models now belong to open_api (its 0001 takes them over): state only,
no table is dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("apps_services", "0006_getstarted_own_shop_name"),
        ("open_api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's idea of which app owns them moves.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="authcode",
                    name="app",
                ),
                migrations.RemoveField(
                    model_name="authcode",
                    name="authorization",
                ),
                migrations.RemoveField(
                    model_name="refreshtoken",
                    name="auth_code",
                ),
                migrations.RemoveField(
                    model_name="authorization",
                    name="app",
                ),
                migrations.RemoveField(
                    model_name="refreshtoken",
                    name="authorization",
                ),
                migrations.RemoveField(
                    model_name="refreshtoken",
                    name="app",
                ),
                migrations.RemoveField(
                    model_name="webhookattempt",
                    name="delivery",
                ),
                migrations.RemoveField(
                    model_name="webhookdelivery",
                    name="app",
                ),
                migrations.DeleteModel(
                    name="AccessToken",
                ),
                migrations.DeleteModel(
                    name="AuthCode",
                ),
                migrations.DeleteModel(
                    name="Authorization",
                ),
                migrations.DeleteModel(
                    name="RefreshToken",
                ),
                migrations.DeleteModel(
                    name="WebhookAttempt",
                ),
                migrations.DeleteModel(
                    name="WebhookDelivery",
                ),
            ],
        ),
    ]
