"""Background work for onboarding. Notifications are emailed by the notifications app."""

from celery import shared_task


@shared_task(name="onboarding.purge_pending_uploads")
def purge_pending_uploads() -> int:
    """Beat, daily: documents chosen in a form that was never saved, after two days."""
    from datetime import timedelta

    from .pending import PendingUpload

    return PendingUpload.objects.purge_stale(older_than=timedelta(days=2))
