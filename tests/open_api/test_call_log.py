"""SPEC §9.3: every Open API call is kept in the API call log — written in bulk off the
request path, by a thread in served processes — and swept after API_CALL_LOG_DAYS days."""

import io
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DataError, OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps_services import credentials
from open_api import calllog, endpoints
from open_api.models import ApiCall, RateLimit
from open_api.services import ErrorCode
from open_api.tasks import sweep_api_calls

from .conftest import SAM_SHOP, SHOPS_PATH, secret_of, signed_params, tokens_for


@pytest.fixture(autouse=True)
def _empty_buffer():
    """Calls of earlier tests wait in this process's buffer: not this test's."""
    with calllog.BUFFER.lock:
        calllog.BUFFER.rows.clear()
    yield
    with calllog.BUFFER.lock:
        calllog.BUFFER.rows.clear()


@pytest.fixture
def granted(sam_client, alice_app):
    return alice_app, secret_of(alice_app), tokens_for(sam_client, alice_app)


def shops(client, app, secret, access_token, **extra):
    return client.get(
        SHOPS_PATH,
        signed_params(app, SHOPS_PATH, secret=secret, **extra),
        headers={"x-tts-access-token": access_token},
    )


def only_call() -> ApiCall:
    (call,) = ApiCall.objects.all()
    return call


def assert_same_request(call: ApiCall, response) -> None:
    assert call.request_id == response["X-Request-ID"] == response.json()["request_id"]


def test_a_successful_call_is_recorded_after_the_flush(granted, client):
    # given
    app, secret, tokens = granted
    calllog.BUFFER.rows.clear()  # the token exchange of the fixture

    # when
    response = shops(client, app, secret, tokens["access_token"])

    # then: nothing written on the request path; the flush writes the row
    assert response.status_code == 200
    assert not ApiCall.objects.exists()
    assert calllog.flush() == 1
    call = only_call()
    assert_same_request(call, response)
    assert call.app_id == app.pk
    assert call.endpoint == endpoints.AUTHORIZED_SHOPS.key
    assert (call.method, call.path, call.status, call.code) == ("GET", SHOPS_PATH, 200, 0)
    assert call.shop_id == SAM_SHOP
    assert call.shop_cipher == response.json()["data"]["shops"][0]["cipher"]
    assert call.ip == "127.0.0.1"
    assert 0 <= call.latency_ms < 10_000
    assert timezone.now() - call.at < timedelta(seconds=10)
    assert not call.failed
    assert not call.throttled


def test_a_refusal_is_recorded_with_its_error_code(alice_app, client):
    # when: a wrong signature
    params = signed_params(alice_app, SHOPS_PATH, secret="not-the-secret")
    response = client.get(SHOPS_PATH, params)
    calllog.flush()

    # then
    call = only_call()
    assert_same_request(call, response)
    assert (call.status, call.code) == (401, ErrorCode.INVALID_SIGN)
    assert call.app_id == alice_app.pk
    assert call.endpoint == endpoints.AUTHORIZED_SHOPS.key
    assert call.failed


def test_a_404_and_a_405_are_recorded(client, alice_app):
    # when
    missing = client.get("/api/v2/nothing-here", {"app_key": alice_app.app_key})
    wrong_method = client.post(f"/api/v2/token/get?app_key={alice_app.app_key}")
    calllog.flush()

    # then
    by_status = {call.status: call for call in ApiCall.objects.all()}
    assert set(by_status) == {404, 405}
    assert_same_request(by_status[404], missing)
    assert (by_status[404].endpoint, by_status[404].code) == ("", ErrorCode.NOT_FOUND)
    assert by_status[404].endpoint_label == "GET /api/v2/nothing-here"
    assert_same_request(by_status[405], wrong_method)
    assert by_status[405].endpoint == endpoints.TOKEN_GET.key
    assert by_status[405].code == ErrorCode.METHOD_NOT_ALLOWED


def test_a_throttled_call_is_recorded_as_429(granted, client, settings, time_machine):
    # given
    time_machine.move_to(time.time(), tick=False)  # one rate-limit window
    app, secret, tokens = granted
    RateLimit.objects.create(endpoint=endpoints.AUTHORIZED_SHOPS.key, app=app, per_second=1)
    credentials.changed([app.app_key])
    first = shops(client, app, secret, tokens["access_token"])
    calllog.BUFFER.rows.clear()

    # when
    response = shops(client, app, secret, tokens["access_token"])
    calllog.flush()

    # then
    assert first.status_code == 200
    assert response.status_code == 429
    call = only_call()
    assert_same_request(call, response)
    assert (call.status, call.code) == (429, ErrorCode.TOO_MANY_REQUESTS)
    assert call.throttled


def test_the_shop_cipher_a_call_names_is_recorded(granted, client):
    # given
    app, secret, _tokens = granted
    calllog.BUFFER.rows.clear()

    # when: a deauthorization names its shop by cipher
    client.delete(
        "/authorization/202403/shops?"
        + "&".join(
            f"{k}={v}"
            for k, v in signed_params(
                app, "/authorization/202403/shops", secret=secret, shop_cipher="ROW_zzz"
            ).items()
        )
    )
    calllog.flush()

    # then
    assert only_call().shop_cipher == "ROW_zzz"


def test_many_calls_are_written_in_one_insert(client, alice_app):
    # given
    for _ in range(30):
        client.get("/api/v2/token/get", {"app_key": alice_app.app_key})

    # when
    with CaptureQueriesContext(connection) as queries:
        written = calllog.flush()

    # then
    # executemany: one statement, sent once for all the rows (logged once, "30 times")
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert written == 30
    assert len(inserts) == 1
    assert ApiCall.objects.filter(status=400, code=ErrorCode.INVALID_PARAMETER).count() == 30


def test_a_flush_failure_keeps_the_calls_and_breaks_no_answer(granted, client):
    # given: the database refuses the insert
    app, secret, tokens = granted
    calllog.BUFFER.rows.clear()
    down = mock.patch.object(calllog, "_insert", side_effect=OperationalError("server closed"))

    # when
    with down:
        response = shops(client, app, secret, tokens["access_token"])
        failed = calllog.flush()

    # then: the answer is whole; the row waits and is written once the database is back
    assert response.status_code == 200
    assert response.json()["code"] == 0
    assert failed == -1
    assert not ApiCall.objects.exists()
    assert calllog.flush() == 1
    assert_same_request(only_call(), response)


def test_the_client_ip_behind_a_trusted_proxy_is_the_forwarded_one(db, client, settings):
    # given
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    # when
    client.get("/api/v2/token/get", headers={"x-forwarded-for": "203.0.113.9"})
    client.get("/api/v2/token/get", headers={"x-forwarded-for": "not an address"})
    calllog.flush()

    # then
    assert sorted(ApiCall.objects.values_list("ip", flat=True), key=str) == ["203.0.113.9", None]


def test_a_full_buffer_drops_new_calls_and_counts_them(client, alice_app, monkeypatch, caplog):
    # given
    monkeypatch.setattr(calllog, "MAX_ROWS", 2)
    dropped = calllog.BUFFER.dropped

    # when
    answers = [client.get("/api/v2/token/get").status_code for _ in range(3)]

    # then
    assert answers == [400, 400, 400]
    assert calllog.BUFFER.dropped == dropped + 1
    assert calllog.flush() == 2
    calllog.BUFFER._report_dropped()  # what the flusher does after each flush
    assert "call(s) dropped so far" in caplog.text


def test_rows_the_database_refuses_are_dropped_not_retried(db, monkeypatch):
    # given: a row the database refuses (not for being away)
    buffer = calllog.CallBuffer()
    buffer.add(("r1", None, "", "GET", "/x", "", "", 200, 0, 1, (None, None), time.time()))
    monkeypatch.setattr(calllog, "_insert", mock.Mock(side_effect=DataError("out of range")))

    # when
    result = buffer.flush()

    # then
    assert result == -1
    assert buffer.dropped == 1
    assert buffer.rows == []


@pytest.mark.django_db(transaction=True)
def test_a_served_process_writes_its_calls_from_a_thread(monkeypatch):
    # given: a buffer as a served process has it
    monkeypatch.setattr(calllog, "FLUSH_SECONDS", 0.05)
    buffer = calllog.CallBuffer()
    buffer.background = True

    # when
    row = ("thread-1", None, "", "GET", "/x", "", "", 404, 0, 1, ("10.0.0.1", None), time.time())
    buffer.add(row)

    # then: written without anyone asking, within moments
    deadline = time.monotonic() + 5
    while not ApiCall.objects.filter(request_id="thread-1").exists():
        assert time.monotonic() < deadline, "the flusher did not write the call"
        time.sleep(0.05)
    assert buffer.rows == []


# --- retention ------------------------------------------------------------------------------


def make_call(*, age: timedelta, request_id: str = "r") -> ApiCall:
    return ApiCall.objects.create(
        request_id=request_id, method="GET", path="/x", status=200, at=timezone.now() - age
    )


def test_the_sweep_deletes_calls_older_than_the_retention_and_keeps_newer(db, settings):
    # given
    settings.API_CALL_LOG_DAYS = 7
    old = [make_call(age=timedelta(days=7, minutes=1), request_id=f"old{i}") for i in range(3)]
    kept = make_call(age=timedelta(days=6, hours=23), request_id="kept")

    # when
    deleted = sweep_api_calls()
    again = sweep_api_calls()

    # then
    assert deleted == len(old)
    assert again == 0
    assert list(ApiCall.objects.values_list("request_id", flat=True)) == [kept.request_id]


def test_the_sweep_works_in_batches(db, monkeypatch):
    # given
    monkeypatch.setattr("open_api.models.calls.SWEEP_BATCH", 2)
    for i in range(5):
        make_call(age=timedelta(days=8), request_id=f"old{i}")

    # when
    with CaptureQueriesContext(connection) as queries:
        deleted = ApiCall.objects.sweep()

    # then: three DELETE statements (2 + 2 + 1)
    assert deleted == 5
    assert sum(q["sql"].startswith("DELETE") for q in queries.captured_queries) == 3


def test_the_sweep_command_reports_what_it_deleted(db):
    # given
    make_call(age=timedelta(days=30))
    out = io.StringIO()

    # when
    call_command("sweep_api_calls", stdout=out)

    # then
    assert "Deleted 1 API call(s) older than 7 days." in out.getvalue()
    assert not ApiCall.objects.exists()


def test_beat_runs_the_sweep_hourly():
    from partner_center.celery import app

    entry = app.conf.beat_schedule["open_api-sweep-api-calls"]
    assert entry["task"] == "open_api.sweep_api_calls"
    assert app.tasks["open_api.sweep_api_calls"] is not None
