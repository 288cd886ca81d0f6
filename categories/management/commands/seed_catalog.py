from django.core.management.base import BaseCommand

from categories.catalog import seed


class Command(BaseCommand):
    help = (
        "Create or update the shipped catalog: markets, registration regions, partner roles, "
        "partner types and service categories (SPEC §2). Safe to run again."
    )

    def handle(self, *args, **options):
        created = seed()
        summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Catalog seeded (new rows: {summary})."))
