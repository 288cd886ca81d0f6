"""The moved models' content types follow them to open_api, so admin log entries and
permissions (same codenames) keep pointing at them."""

from django.db import migrations

MOVED = [
    "authorization",
    "authcode",
    "accesstoken",
    "refreshtoken",
    "webhookdelivery",
    "webhookattempt",
]


def relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        # A database built from scratch may already have the new row (post_migrate made it):
        # then the old one, if any, is left for remove_stale_contenttypes.
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    relabel(apps, "apps_services", "open_api")


def backwards(apps, schema_editor):
    relabel(apps, "open_api", "apps_services")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("open_api", "0001_initial"),
        ("apps_services", "0007_open_api_models_moved"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
