"""PostgreSQL statement timeout: web processes cancel a runaway query, workers and commands
run without one (a migration or a backfill may rightly take long)."""

import os
import subprocess
import sys

import pytest

from tests.conftest import requires_postgres
from tests.test_worker import ROOT, database_url_for_worker

SHOW = (
    "from django.db import connection\n"
    "with connection.cursor() as cursor:\n"
    "    cursor.execute('SHOW statement_timeout')\n"
    "    print(cursor.fetchone()[0])\n"
)


def run(code: str, **env) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DB_STATEMENT_TIMEOUT_MS"},
        "DJANGO_SETTINGS_MODULE": "partner_center.settings",
        "DATABASE_URL": database_url_for_worker(),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.postgres
@requires_postgres()
def test_web_processes_cancel_a_query_past_the_statement_timeout(db):
    # given: the web entry point, with a short limit
    code = (
        "import partner_center.wsgi\n"
        "from django.db import connection, OperationalError\n"
        "try:\n"
        "    connection.cursor().execute('SELECT pg_sleep(5)')\n"
        "except OperationalError as exc:\n"
        "    print('cancelled:', type(exc.__cause__).__name__)\n"
    )

    # when
    result = run(code, DB_STATEMENT_TIMEOUT_MS="200")

    # then
    assert "cancelled: QueryCanceled" in result.stdout, result.stderr


@pytest.mark.postgres
@requires_postgres()
def test_web_processes_default_to_30_seconds_and_commands_to_none(db):
    web = run("import partner_center.wsgi\n" + SHOW)
    command = run("import django\ndjango.setup()\n" + SHOW)

    assert web.stdout.strip() == "30s", web.stderr
    assert command.stdout.strip() == "0", command.stderr
