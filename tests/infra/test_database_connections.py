"""DB_POOL (Django's psycopg pool) and DB_PGBOUNCER, read from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from partner_center.settings import db_pool_options
from tests.conftest import requires_postgres

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("0", None),
        ("off", None),
        ("1", {"min_size": 2, "max_size": 4, "timeout": 10.0}),
        ("on", {"min_size": 2, "max_size": 4, "timeout": 10.0}),
        ("1:8", {"min_size": 1, "max_size": 8, "timeout": 10.0}),
        ("0:2", {"min_size": 0, "max_size": 2, "timeout": 10.0}),
    ],
)
def test_db_pool_reads_on_off_or_min_max(value, expected):
    assert db_pool_options(value) == expected


@pytest.mark.parametrize("value", ["8:2", "0:0", "lots", "2-8", "-1:4"])
def test_a_db_pool_that_means_nothing_is_refused(value):
    with pytest.raises(RuntimeError, match="DB_POOL"):
        db_pool_options(value)


def run_django(code: str, **env) -> dict:
    """`code` (which prints one JSON document) in a fresh process with these variables."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DB_POOL", "DB_PGBOUNCER", "DB_STATEMENT_TIMEOUT_MS", "DB_CONN_MAX_AGE"}
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "options": db.get("OPTIONS", {}),
    "conn_max_age": db["CONN_MAX_AGE"],
    "no_server_cursors": db.get("DISABLE_SERVER_SIDE_CURSORS", False),
}))
"""


def test_db_pool_on_sqlite_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "", "VAR_DIR": str(tmp_path), "DB_POOL": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert "DB_POOL needs PostgreSQL" in done.stderr


@pytest.mark.postgres
@requires_postgres()
def test_a_request_is_served_through_the_connection_pool(transactional_db):
    # given: the test database, a process with DB_POOL=1:3 and a 30 s statement timeout
    code = """
import json
from django.conf import settings
from django.db import connection
from django.test import Client

response = Client().get("/health/", HTTP_ACCEPT="application/json")
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    (timeout,) = cursor.fetchone()
db = settings.DATABASES["default"]
print(json.dumps({
    "pool": db["OPTIONS"]["pool"],
    "conn_max_age": db["CONN_MAX_AGE"],
    "status": response.status_code,
    "database": json.loads(response.content)["checks"]["database"]["status"],
    "pooled": connection.pool is not None,
    "pool_size": connection.pool.get_stats()["pool_size"],
    "statement_timeout": timeout,
}))
"""
    # when
    seen = run_django(
        code, DATABASE_URL=database_url(), DB_POOL="1:3", DB_STATEMENT_TIMEOUT_MS="30000"
    )

    # then
    assert seen["pool"] == {"min_size": 1, "max_size": 3, "timeout": 10.0}
    assert seen["conn_max_age"] == 0  # Django refuses a pool with persistent connections
    assert (seen["status"], seen["database"]) == (200, "ok")
    assert seen["pooled"] is True
    assert 1 <= seen["pool_size"] <= 3
    assert seen["statement_timeout"] == "30s"


@pytest.mark.postgres
@requires_postgres()
def test_behind_pgbouncer_nothing_rests_on_the_session():
    seen = run_django(
        SETTINGS, DATABASE_URL=database_url(), DB_PGBOUNCER="1", DB_STATEMENT_TIMEOUT_MS="30000"
    )

    assert seen["no_server_cursors"] is True
    # PgBouncer refuses startup options: the timeout is the database role's business there.
    assert "options" not in seen["options"]
    assert "pool" not in seen["options"]


@pytest.mark.postgres
@requires_postgres()
def test_without_a_pool_connections_persist_and_the_timeout_is_a_startup_option():
    seen = run_django(SETTINGS, DATABASE_URL=database_url(), DB_STATEMENT_TIMEOUT_MS="250")

    assert seen["conn_max_age"] == 60
    assert seen["options"] == {"options": "-c statement_timeout=250"}
    assert seen["no_server_cursors"] is False
