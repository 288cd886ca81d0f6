from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from kombu.exceptions import OperationalError

from partner_center.celery import healthcheck


class Command(BaseCommand):
    help = "Send a health-check task to the Celery workers and wait for the answer."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait")

    def handle(self, *args, **options):
        if not settings.REDIS_URL:
            self.stdout.write("REDIS_URL is not set: tasks run in-process, no worker needed.")
        try:
            answer = healthcheck.delay().get(timeout=options["timeout"])
        except CeleryTimeout as exc:
            raise CommandError(f"No worker answered within {options['timeout']}s.") from exc
        except OperationalError as exc:
            raise CommandError(f"The broker is unreachable: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Worker answered: {answer}"))
