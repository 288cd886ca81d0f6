"""Delete documents chosen in the application form that no record took up.

A document is stored as a pending upload as soon as it is chosen, so a page that comes back
with an error still holds it (onboarding/pending.py). When the partner never saves the page,
the file stays behind; this command removes those older than --days, with their thumbnails.
Files a company entity or an application holds are kept. Idempotent; safe to run from cron.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from onboarding.models import PendingUpload


class Command(BaseCommand):
    help = "Delete pending document uploads that no company entity or application took up."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=2, help="Keep uploads younger than this (default 2)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, days, dry_run, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        count = PendingUpload.objects.purge_stale(older_than=timedelta(days=days), dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {count} pending upload(s) older than {days} day(s).")
