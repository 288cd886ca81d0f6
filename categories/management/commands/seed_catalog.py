from django.apps import apps
from django.core.management.base import BaseCommand

from categories.catalog import seed


class Command(BaseCommand):
    help = (
        "Create or update the shipped catalog: markets, registration regions, partner roles, "
        "partner types and service categories (SPEC §2), and make the Open API's missing "
        "scopes. Safe to run again."
    )

    def handle(self, *args, **options):
        created = seed()
        # The scope catalog belongs to open_api, a floor above: named, not imported. Only
        # missing scopes are made, so staff edits in admin stay.
        if apps.is_installed("open_api"):
            scopes = apps.get_model("open_api", "Scope")
            created["scopes"] = scopes.objects.ensure_catalog()  # type: ignore[attr-defined]
        summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Catalog seeded (new rows: {summary})."))
