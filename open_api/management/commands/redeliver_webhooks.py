from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from open_api.models import WebhookAttempt, WebhookDelivery
from open_api.tasks import sweep


class Command(BaseCommand):
    help = (
        "Attempt every webhook delivery that is due now, including ones a dead worker left "
        "claimed (SPEC §7). With --given-up, also restart the retry schedule of deliveries "
        "that were given up. Safe to run at any time, also while workers and beat run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--given-up",
            action="store_true",
            help="also redeliver webhooks that exhausted their retries",
        )

    def handle(self, *args, **options):
        if options["given_up"]:
            given_up = WebhookDelivery.objects.filter(state=WebhookDelivery.State.GIVEN_UP)
            for delivery in given_up:
                with transaction.atomic():
                    delivery.redeliver()
        started = timezone.now()
        made = sweep()
        failed = WebhookAttempt.objects.filter(at__gte=started, succeeded=False).count()
        self.stdout.write(self.style.SUCCESS(f"Made {made} webhook attempt(s)."))
        if failed:
            # They stay on the retry schedule (see the webhook log); the sweep retries them.
            raise CommandError(f"{failed} webhook attempt(s) failed; they will be retried.")
