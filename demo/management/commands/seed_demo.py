import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from categories.catalog import seed as seed_catalog
from demo.seed import DEMO_STEPS


class Command(BaseCommand):
    help = (
        "Create the demo accounts and data (idempotent) and print the logins. "
        "With --json, print one JSON object instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="where the portal is served (default: %(default)s)",
        )

    def handle(self, *args, **options) -> None:
        base_url = options["base_url"].rstrip("/")
        result: dict = {"base_url": base_url}
        with transaction.atomic():
            seed_catalog()
            for step in DEMO_STEPS:
                step(result)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        self.stdout.write(f"  Portal            {base_url}/")
        self.stdout.write(f"  Reviewer admin    {base_url}/admin/")
        if settings.REQUIRE_STAFF_MFA:
            self.stdout.write(
                "  (REQUIRE_STAFF_MFA is on: the reviewer activates an authenticator app at "
                f"{base_url}/my-account/security/ before the admin opens)"
            )
        self.stdout.write(
            "Logins (Partner Center, except `seller` and `test_shop`: Seller Center stand-in):"
        )
        for key, value in result.items():
            if isinstance(value, dict) and "password" in value:
                login = value.get("email") or value.get("login")
                self.stdout.write(f"  {key:<17} {login} / {value['password']}")
        for key, value in result.items():
            if isinstance(value, dict) and "password" not in value:
                self.stdout.write(f"{key}:")
                for field, item in value.items():
                    # The demo app's secret is for the JSON consumer, not the console.
                    shown = "(run seed_demo --json to see it)" if "secret" in field else item
                    self.stdout.write(f"  {field:<17} {shown}")
