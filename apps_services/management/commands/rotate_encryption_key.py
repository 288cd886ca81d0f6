"""Re-encrypt every app secret under the first key of APP_SECRET_ENCRYPTION_KEY.

Rotation, step by step (README "Rotating the encryption key"):
1. generate a new Fernet key and put it FIRST in APP_SECRET_ENCRYPTION_KEY, keeping the old
   key(s) after it (the first encrypts, all decrypt: the portal keeps working throughout);
2. restart the web and worker processes, then run this command;
3. once it reports every secret re-encrypted, drop the old key(s) and restart again.
Safe to run again: a row already under the first key is re-encrypted to the same effect.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps_services import crypto
from apps_services.models import App

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt every app secret (and previous secret) under the first configured key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check that every secret decrypts, change nothing",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        ids = list(App.objects.order_by("pk").values_list("pk", flat=True))
        done = failed = 0
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                apps = App.objects.select_for_update().filter(pk__in=ids[start : start + BATCH])
                for app in apps:
                    try:
                        current = crypto.reencrypt(app.secret_encrypted)
                        previous = (
                            crypto.reencrypt(app.previous_secret_encrypted)
                            if app.previous_secret_encrypted
                            else ""
                        )
                    except ImproperlyConfigured:
                        failed += 1
                        self.stderr.write(f"app {app.pk}: no configured key decrypts its secret")
                        continue
                    if not dry_run:
                        App.objects.filter(pk=app.pk).update(
                            secret_encrypted=current, previous_secret_encrypted=previous
                        )
                    done += 1
            self.stdout.write(f"{min(start + BATCH, len(ids))}/{len(ids)} apps")
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(f"{done} app(s) {verb}, {failed} could not be decrypted.")
        if failed:
            raise CommandError(
                f"{failed} app secret(s) could not be decrypted: add the key they were "
                "encrypted with to APP_SECRET_ENCRYPTION_KEY (after the new one) and run again."
            )
