"""A real Celery worker against Redis runs a task to the end (skipped without REDIS_URL)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from partner_center.celery import healthcheck
from tests.conftest import requires_redis

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_worker() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        user = db["USER"] or "postgres"
        return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@pytest.fixture
def worker(transactional_db):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "REDIS_URL": settings.REDIS_URL, "DATABASE_URL": database_url_for_worker()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "partner_center", "worker", "-Q", queue,
         "--pool", "solo", "--concurrency", "1", "--loglevel", "warning", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield queue
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.redis
@requires_redis()
def test_a_real_worker_runs_a_task_against_the_database(worker):
    result = healthcheck.apply_async(queue=worker)

    answer = result.get(timeout=60)

    assert answer == {"database": connection.vendor, "ok": True}


def test_tasks_run_in_process_without_redis(settings, db):
    if settings.REDIS_URL:
        pytest.skip("REDIS_URL is set: tasks go to the broker, not in-process")

    assert healthcheck.delay().get(timeout=5) == {"database": connection.vendor, "ok": True}
