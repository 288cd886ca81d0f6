"""The compose stack's own command lines, run outside Docker against PostgreSQL and Redis.

Docker itself does not run here, so the test takes what compose and the image would run —
the Dockerfile's `collectstatic` line (with the build's environment: no VAR_DIR), the one-shot
`migrate` service, then the `web1` service's gunicorn line with the stack's environment
(VAR_DIR=/data-like, DEBUG=0) — and asks the server what a browser and a load balancer would.
The only change to a command line is the bind address: a free loopback port instead of
0.0.0.0:8000.
"""

import json
import os
import re

import pytest

from tests.deploy.servers import (
    command_line,
    dockerfile_runs,
    fetch,
    free_port,
    own_database,
    run_shell,
    running,
    stack_environment,
)

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgres"),
        reason="DATABASE_URL is not PostgreSQL: the compose stack runs on PostgreSQL",
    ),
    pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: the stack needs Redis"),
]


@pytest.fixture(scope="module")
def stack_database():
    """A database of its own, as the stack's PostgreSQL would hold (not the test database)."""
    with own_database("pc_compose") as url:
        yield url


@pytest.fixture(scope="module")
def migrated_stack(stack_database, tmp_path_factory):
    """The image build's collectstatic, then the stack's one-shot migrate service: once for
    the module (a migrate is the slow part)."""
    var_dir = tmp_path_factory.mktemp("data")
    env = stack_environment(database_url=stack_database, var_dir=var_dir)
    (collect,) = [run for run in dockerfile_runs() if "collectstatic" in run]
    build_env = {k: v for k, v in env.items() if k not in {"VAR_DIR", "DATABASE_URL"}}
    built = run_shell(collect, env=build_env)
    assert built.returncode == 0, built.stderr
    migrate = command_line("migrate")
    assert migrate[:2] == ["sh", "-c"]
    migrated = run_shell(migrate[2], env=env)
    assert migrated.returncode == 0, migrated.stderr
    return stack_database, var_dir


def gunicorn_line(port: int) -> list[str]:
    line = command_line("web1")
    assert "0.0.0.0:8000" in line, line
    return [f"127.0.0.1:{port}" if arg == "0.0.0.0:8000" else arg for arg in line]


def test_the_web_service_command_line_serves_pages_static_files_and_health(migrated_stack):
    # given: static files collected by the image build, the database migrated by the
    # one-shot service, and a VAR_DIR of the stack's own (a volume in compose)
    database_url, var_dir = migrated_stack
    env = stack_environment(database_url=database_url, var_dir=var_dir)

    # when: the web service's gunicorn line runs with the stack's environment
    port = free_port()
    with running(gunicorn_line(port), env=env, port=port):
        home_status, home_headers, home = fetch(f"http://127.0.0.1:{port}/")
        health_status, _, health = fetch(f"http://127.0.0.1:{port}/health/")
        stylesheet = re.search(rb'href="(/static/css/portal\.[0-9a-f]+\.css)"', home)
        assert stylesheet, "the page links its stylesheet by its hashed name"
        css_status, _, _ = fetch(f"http://127.0.0.1:{port}{stylesheet.group(1).decode()}")

    # then
    assert home_status == 200
    assert css_status == 200
    assert health_status == 200
    report = json.loads(health)
    assert report["status"] == "ok", report
    assert {name for name, check in report["checks"].items() if check["status"] == "ok"} == {
        "database",
        "migrations",
        "cache",
        "broker",
        "click_counter",
        "storage",
    }
    # and the headers a production answer carries
    assert "Server" not in home_headers
    policy = home_headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_with_redis_unreachable_the_stack_serves_and_health_names_redis_degraded(
    migrated_stack,
):
    # given: a migrated database, and a Redis URL nothing listens on
    database_url, var_dir = migrated_stack
    closed = free_port()
    env = stack_environment(
        database_url=database_url, var_dir=var_dir, redis_url=f"redis://127.0.0.1:{closed}/0"
    )

    # when
    port = free_port()
    with running(gunicorn_line(port), env=env, port=port):
        home_status, _, _ = fetch(f"http://127.0.0.1:{port}/")
        health_status, _, health = fetch(f"http://127.0.0.1:{port}/health/")

    # then: the portal serves; Redis is named, the database is fine
    assert home_status == 200
    assert health_status == 200
    report = json.loads(health)
    assert report["status"] == "degraded"
    degraded = {name for name, check in report["checks"].items() if check["status"] != "ok"}
    assert degraded == {"cache", "broker", "click_counter"}
    assert all(check["seconds"] < 5 for check in report["checks"].values())


def test_with_the_database_unreachable_health_answers_503(tmp_path):
    # given: nothing listens where the database should be
    closed = free_port()
    env = stack_environment(
        database_url=f"postgres://postgres@127.0.0.1:{closed}/partner_center",
        var_dir=tmp_path / "data",
    )

    # when
    port = free_port()
    with running(gunicorn_line(port), env=env, port=port):
        status, _, body = fetch(f"http://127.0.0.1:{port}/health/")

    # then
    assert status == 503
    report = json.loads(body)
    assert report["status"] == "unavailable"
    assert report["checks"]["database"]["status"] == "unavailable"
    assert report["checks"]["cache"]["status"] == "ok"
