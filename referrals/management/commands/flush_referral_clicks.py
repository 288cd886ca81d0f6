from django.core.management.base import BaseCommand, CommandError

from referrals import tracking


class Command(BaseCommand):
    help = (
        "Move referral link clicks counted in Redis to the database now (what Celery beat "
        "does every REFERRAL_CLICK_FLUSH_SECONDS). Idempotent; a no-op in database mode."
    )

    def handle(self, *args, **options):
        if not tracking.uses_redis():
            self.stdout.write("REFERRAL_CLICK_COUNTER is 'database': clicks are already there.")
            return
        try:
            moved = tracking.flush_clicks()
        except Exception as exc:
            raise CommandError(f"Flush failed, nothing lost (it can be run again): {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Flushed {moved} click(s) to the database."))
