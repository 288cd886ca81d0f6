from django.core.management.base import BaseCommand, CommandError

from notifications.models import Notification
from notifications.tasks import sweep


class Command(BaseCommand):
    help = (
        "Email every notification not sent yet (broker outage, dead worker), once each. "
        "Safe to run at any time, also while workers and beat are running."
    )

    def handle(self, *args, **options):
        sent = sweep()
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} notification email(s)."))
        failed = Notification.objects.filter(email_sent_at=None, claimed_at=None).count()
        if failed:
            # Released claims: the send itself failed (see the log); the next run retries.
            raise CommandError(f"{failed} notification email(s) could not be sent.")
