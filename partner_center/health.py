"""`/health/`: what the portal depends on, as JSON, for load balancers and compose.

Built on django-health-check. The database and the applied migrations are critical: without
them the portal cannot serve, and the endpoint answers 503. The cache, the broker, the click
counter's Redis and file storage are not: the portal degrades without them (rate limits fail
open, clicks go to the database, tasks wait in the outbox), so the endpoint still answers 200
and names each of them "degraded".
"""

import asyncio
import dataclasses
import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from partner_center.celery import app as celery_app

# The budget of every probe; a load balancer's own timeout is usually 5 s or more.
PROBE_SECONDS = 2


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration the code ships is applied (a node started before `migrate` is not
    ready: its queries would fail on missing columns)."""

    timeout = datetime.timedelta(seconds=PROBE_SECONDS)

    def run(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:
            raise ServiceUnavailable("migrations could not be read") from exc
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (tasks run in-process without one)."""

    timeout = datetime.timedelta(seconds=PROBE_SECONDS)

    def run(self) -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return
        try:
            with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as connection:
                connection.ensure_connection(
                    max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_SECONDS
                )
        except Exception as exc:
            raise ServiceUnavailable("broker unreachable") from exc


@dataclasses.dataclass
class ClickCounter(HealthCheck):
    """The Redis that counts referral clicks answers (clicks fall back to the database)."""

    timeout = datetime.timedelta(seconds=PROBE_SECONDS)

    def run(self) -> None:
        if settings.REFERRAL_CLICK_COUNTER != "redis":
            return
        import redis

        client = redis.Redis.from_url(
            settings.REFERRAL_CLICKS_REDIS_URL,
            socket_connect_timeout=PROBE_SECONDS,
            socket_timeout=PROBE_SECONDS,
        )
        try:
            client.ping()
        except redis.RedisError as exc:
            raise ServiceUnavailable("click counter unreachable") from exc
        finally:
            client.close()


# name -> (check, critical)
CHECKS = {
    "database": (Database, True),
    "migrations": (Migrations, True),
    "cache": ((Cache, {"timeout": datetime.timedelta(seconds=PROBE_SECONDS)}), False),
    "broker": (Broker, False),
    "click_counter": (ClickCounter, False),
    "storage": (Storage, False),
}


class PortalHealthView(HealthCheckView):
    checks = [check for check, _critical in CHECKS.values()]

    async def get(self, request, *args, **kwargs) -> JsonResponse:
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        body: dict = {"checks": {}}
        unavailable = degraded = False
        for (name, (_check, critical)), result in zip(CHECKS.items(), results, strict=True):
            entry: dict[str, object]
            if result.error is None:
                entry = {"status": "ok"}
            elif critical:
                unavailable = True
                entry = {"status": "unavailable", "error": result.error.message}
            else:
                degraded = True
                entry = {"status": "degraded", "error": result.error.message}
            entry["seconds"] = round(result.time_taken, 3)
            body["checks"][name] = entry
        body["status"] = "unavailable" if unavailable else "degraded" if degraded else "ok"
        return JsonResponse(body, status=503 if unavailable else 200)


health = PortalHealthView.as_view()
