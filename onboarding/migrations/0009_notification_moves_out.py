"""Notification now lives in the notifications app, on the same table: state only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("onboarding", "0008_compliance_moves_out"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
