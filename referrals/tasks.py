"""Background work for referral links: moving click counts from Redis to the database."""

from celery import shared_task

from . import tracking


@shared_task(
    name="referrals.flush_clicks",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def flush_clicks() -> int:
    """Celery beat runs this every REFERRAL_CLICK_FLUSH_SECONDS. It takes no arguments and is
    idempotent (see tracking.flush_clicks): a retry, an overlap with the previous run or a
    crash halfway neither loses nor doubles a click."""
    return tracking.flush_clicks()
