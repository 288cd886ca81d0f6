"""The Celery app. With REDIS_URL unset, tasks run in-process (CELERY_TASK_ALWAYS_EAGER).

Workers and beat log through the portal's own LOGGING (same format, same credential mask),
and a task queued during a request runs under that request's id (partner_center.requestid).
"""

import logging
import logging.config
import os

from celery import Celery, signals

from .requestid import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_center.settings")

app = Celery("partner_center")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def schedule_api_call_sweep(sender, **kwargs) -> None:
    # Beside settings.CELERY_BEAT_SCHEDULE (RedBeat reads both): the API call log keeps
    # API_CALL_LOG_DAYS days, swept hourly in batches (open_api.tasks.sweep_api_calls).
    from celery.schedules import crontab

    sender.add_periodic_task(
        crontab(minute=17),
        sender.signature("open_api.sweep_api_calls"),
        name="open_api-sweep-api-calls",
    )


logger = logging.getLogger(__name__)

# The message header that carries the request id to the worker.
REQUEST_ID_HEADER = "request_id"
_task_tokens: dict = {}


@signals.setup_logging.connect
def use_portal_logging(loglevel=None, **kwargs) -> None:
    """Workers and beat log as web processes do: JSON or plain, request ids, credentials
    masked (a receiver here stops Celery from installing its own root handler)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@signals.before_task_publish.connect
def send_request_id(headers=None, **kwargs) -> None:
    current = request_id.get()
    if current and headers is not None:
        headers[REQUEST_ID_HEADER] = current


@signals.task_prerun.connect
def adopt_request_id(task_id=None, task=None, **kwargs) -> None:
    # In-process (eager) tasks have no header and already run in the request's context.
    sent = getattr(task.request, REQUEST_ID_HEADER, None) if task is not None else None
    if sent:
        _task_tokens[task_id] = request_id.set(sent)


@signals.task_postrun.connect
def drop_request_id(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            request_id.reset(token)
        except ValueError:  # set in another context (a thread pool): just clear it
            request_id.set("")


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
