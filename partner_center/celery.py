"""The Celery app. With REDIS_URL unset, tasks run in-process (CELERY_TASK_ALWAYS_EAGER)."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_center.settings")

app = Celery("partner_center")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

_broker_outage = None


def broker_outage():
    """The broker's Outage (see partner_center.cache): one per process, made on first use."""
    global _broker_outage
    if _broker_outage is None:
        from django.conf import settings

        from .cache import Outage

        _broker_outage = Outage("broker", settings.REDIS_RETRY_AFTER_SECONDS)
    return _broker_outage


def publish(task, *args) -> bool:
    """Queue `task(*args)`; True when queued (or run, in-process), False when not.

    For work that has a row in the database and a sweep behind it: a broker that is down
    costs one connect timeout, logged, then nothing at all for REDIS_RETRY_AFTER_SECONDS
    (the sweep delivers). It never raises into the request that asked.
    """
    outage = broker_outage()
    if outage.down():
        logger.info("Broker marked unavailable; %s%s left to the sweep.", task.name, args)
        return False
    try:
        task.delay(*args)
    except Exception:
        if outage.failed():
            logger.warning(
                "Could not queue %s%s; the broker is treated as down for %s s and the "
                "sweeps deliver what was not queued.",
                task.name,
                args,
                outage.retry_after,
                exc_info=True,
            )
        else:
            logger.info("Could not queue %s%s either.", task.name, args)
        return False
    return True


@app.task(name="partner_center.healthcheck", ignore_result=False)
def healthcheck() -> dict:
    """Prove a worker can reach the database: ops call it through `check_worker`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"database": connection.vendor, "ok": one == 1}
