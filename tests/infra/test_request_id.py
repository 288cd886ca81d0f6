"""A request id on every response, log line and task the request causes; JSON logs masked."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from partner_center import requestid
from partner_center.celery import adopt_request_id, drop_request_id, healthcheck, send_request_id
from tests.conftest import requires_redis
from tests.test_worker import database_url_for_worker

ROOT = Path(__file__).resolve().parent.parent.parent
UUID_HEX = re.compile(r"[0-9a-f]{32}")


def console_handler(stream, log_format: str = "json") -> logging.Handler:
    """A handler built as settings.LOGGING builds `console`, writing to `stream`."""
    config = settings.LOGGING
    handler = logging.StreamHandler(stream)
    options = dict(config["formatters"][log_format])
    factory = import_string(options.pop("()")) if "()" in options else logging.Formatter
    handler.setFormatter(factory(options.pop("format"), **options))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    return handler


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = console_handler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_sane_request_id_header_is_kept_and_returned(client, db):
    response = client.get("/health/", headers={"X-Request-ID": "lb-7f3a.9_c-1"})

    assert response["X-Request-ID"] == "lb-7f3a.9_c-1"


@pytest.mark.parametrize(
    "sent",
    [None, "", "x" * 65, "has space", "semi;colon", "ünïcode", "new\\nline"],
    ids=["missing", "empty", "too-long", "space", "semicolon", "non-ascii", "backslash"],
)
def test_a_missing_or_unfit_request_id_is_replaced_by_a_fresh_one(client, db, sent):
    headers = {} if sent is None else {"X-Request-ID": sent}

    first = client.get("/health/", headers=headers)["X-Request-ID"]
    second = client.get("/health/", headers=headers)["X-Request-ID"]

    assert UUID_HEX.fullmatch(first)
    assert first != second


def test_error_pages_carry_the_request_id(client, db):
    not_found = client.get("/no-such-page/", headers={"X-Request-ID": "abc-404"})
    refused = client.get("/account/login/?next=%00", headers={"X-Request-ID": "abc-400"})

    assert (not_found.status_code, not_found["X-Request-ID"]) == (404, "abc-404")
    assert (refused.status_code, refused["X-Request-ID"]) == (400, "abc-400")


def test_the_open_api_body_names_the_same_request_id_as_the_header(client, db):
    given = client.get("/api/v2/token/get", {"app_key": "nope"}, headers={"X-Request-ID": "c-1"})
    made = client.get("/api/v2/nothing-here")

    assert given.json()["request_id"] == given["X-Request-ID"] == "c-1"
    assert made.status_code == 404
    assert made.json()["request_id"] == made["X-Request-ID"]
    assert UUID_HEX.fullmatch(made["X-Request-ID"])


def test_the_request_id_is_cleared_when_the_request_ends(client, db):
    client.get("/health/", headers={"X-Request-ID": "gone-after"})

    assert requestid.current() == ""


def test_json_log_lines_carry_the_request_id_and_no_credentials(client, db, json_log):
    # when: a request whose query string carries an access token and a signature is logged
    # (Django logs a 404 with the request itself as an extra field)
    response = client.get(
        "/no-such-page/",
        {"access_token": "TOKEN-VALUE-123", "sign": "SIGNATURE-456", "app_key": "k1"},
        headers={"X-Request-ID": "req-json-1"},
    )

    # then
    assert response.status_code == 404
    written = json_log.getvalue()
    assert "TOKEN-VALUE-123" not in written
    assert "SIGNATURE-456" not in written
    (line,) = [entry for entry in lines(json_log) if entry["logger"] == "django.request"]
    assert line["request_id"] == "req-json-1"
    assert line["level"] == "WARNING"
    assert "/no-such-page/" in line["message"]
    assert "access_token=[redacted]" in line["request"]
    assert "app_key=k1" in line["request"]


def test_plain_log_lines_carry_the_request_id_and_no_credentials(client, db):
    stream = io.StringIO()
    handler = console_handler(stream, "plain")
    logging.getLogger().addHandler(handler)
    try:
        client.get(
            "/no-such-page/",
            {"access_token": "TOKEN-VALUE-123"},
            headers={"X-Request-ID": "req-plain-1"},
        )
        logging.getLogger("tests").warning("outside /x?sign=SIGNATURE-456")
    finally:
        logging.getLogger().removeHandler(handler)

    written = stream.getvalue()
    assert "[req-plain-1] Not Found: /no-such-page/" in written
    assert "[-] outside /x?sign=[redacted]" in written
    assert "TOKEN-VALUE-123" not in written


def test_every_handler_masks_credentials_and_adds_the_request_id():
    for name, handler in settings.LOGGING["handlers"].items():
        assert handler["filters"] == ["request_id", "redact_credentials"], name


def settings_in_subprocess(code: str, **env) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"LOG_FORMAT", "DEBUG"}}
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "partner_center.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_logs_are_json_in_production_and_plain_in_development(tmp_path):
    show = "from django.conf import settings; print(settings.LOG_FORMAT)"
    production = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "VAR_DIR": str(tmp_path)}

    assert settings_in_subprocess(show, **production) == "json"
    assert settings_in_subprocess(show, DEBUG="1", VAR_DIR=str(tmp_path)) == "plain"
    assert settings_in_subprocess(show, **production, LOG_FORMAT="plain") == "plain"


def test_a_task_is_published_with_the_request_id_and_runs_under_it():
    # given: a request's id, and a task message being published
    token = requestid.request_id.set("req-task-1")
    headers: dict = {}
    try:
        send_request_id(headers=headers)
    finally:
        requestid.request_id.reset(token)

    class Task:
        class request:
            pass

    Task.request.request_id = headers["request_id"]

    # when: the worker runs it
    adopt_request_id(task_id="t1", task=Task)
    during = requestid.current()
    drop_request_id(task_id="t1")

    # then
    assert headers == {"request_id": "req-task-1"}
    assert during == "req-task-1"
    assert requestid.current() == ""


def test_nothing_is_published_with_a_request_id_outside_a_request():
    headers: dict = {}

    send_request_id(headers=headers)

    assert headers == {}


@pytest.mark.redis
@requires_redis()
def test_a_real_worker_logs_the_task_of_a_request_under_its_id(transactional_db):
    # given: a worker writing JSON logs
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": database_url_for_worker(),
        "LOG_FORMAT": "json",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "partner_center", "worker", "-Q", queue,
         "--pool", "solo", "--loglevel", "info", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        # when: a request queues a task
        token = requestid.request_id.set("req-worker-42")
        try:
            result = healthcheck.apply_async(queue=queue)
        finally:
            requestid.request_id.reset(token)
        assert result.get(timeout=60)["ok"] is True
        time.sleep(0.5)  # the success line is written right after the result
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)

    # then: the worker's line about that task carries the request's id
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    mine = [line for line in logged if line["request_id"] == "req-worker-42"]
    assert any("succeeded" in line["message"] for line in mine), output[-3000:]
    assert all(line["request_id"] == "-" for line in logged if line not in mine)
