from django.db import migrations


class Migration(migrations.Migration):
    """The compliance review moved to the compliance app with its tables: onboarding forgets
    the models, the tables stay (compliance 0001 took them over)."""

    dependencies = [
        ("onboarding", "0007_notification_params"),
        ("compliance", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="compliancetransition", name="review"),
                migrations.RemoveField(model_name="compliancetransition", name="by"),
                migrations.DeleteModel(name="ComplianceReview"),
                migrations.DeleteModel(name="ComplianceTransition"),
            ],
        ),
    ]
