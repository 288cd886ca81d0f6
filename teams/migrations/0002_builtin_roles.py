"""The two built-in roles (SPEC §8.3). Every existing user is already the main account of
its own team: `accounts.User.account` is null for them, which is what a main account is."""

from django.db import migrations

MODULES = [
    "profile",
    "apps",
    "secrets",
    "authorizations",
    "webhooks",
    "shop_registration",
    "notifications",
    "team",
]
VIEW, MANAGE = 1, 2


def create(apps, schema_editor):
    Role = apps.get_model("teams", "Role")
    Role.objects.update_or_create(
        builtin="administrator",
        defaults={"name": "Administrator", "permissions": dict.fromkeys(MODULES, MANAGE)},
    )
    # Read only: App secrets is reveal and rotate, so a viewer has none of it.
    Role.objects.update_or_create(
        builtin="viewer",
        defaults={
            "name": "Viewer",
            "permissions": {m: VIEW for m in MODULES if m != "secrets"},
        },
    )


class Migration(migrations.Migration):
    dependencies = [("teams", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
