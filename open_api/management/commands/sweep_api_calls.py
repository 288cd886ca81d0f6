from django.conf import settings
from django.core.management.base import BaseCommand

from open_api.tasks import sweep_api_calls


class Command(BaseCommand):
    help = (
        "Delete API call log rows older than API_CALL_LOG_DAYS days, in batches (what Celery "
        "beat runs hourly). Safe to run at any time and twice."
    )

    def handle(self, *args, **options):
        deleted = sweep_api_calls()
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {deleted} API call(s) older than {settings.API_CALL_LOG_DAYS} days."
            )
        )
