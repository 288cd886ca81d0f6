from django.db import migrations

MOVED = ("compliancereview", "compliancetransition")


def _relabel(apps, old: str, new: str) -> None:
    """The moved models' content types follow them, so their permissions (held by the
    Reviewers group) and the admin log keep pointing at the same rows."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue  # already there (created by a run of the new code): leave both alone
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, "onboarding", "compliance")


def backwards(apps, schema_editor):
    _relabel(apps, "compliance", "onboarding")


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("onboarding", "0008_compliance_moves_out"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
