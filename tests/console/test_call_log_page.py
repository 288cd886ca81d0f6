"""SPEC §9.3: an app's API call log page — the last days of its calls, searchable by
request id, status, endpoint and shop, with calls and errors per day — for the app's own
account and the members whose role covers App & Service."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import Access, Module
from open_api import calllog, endpoints
from open_api.models import ApiCall
from open_api.services import ErrorCode
from tests.apps_services.conftest import make_app, make_developer
from tests.conftest import make_member
from tests.open_api.conftest import signed_params

SHOP = "7494000000000101"
CIPHER = "ROW_abc"


@pytest.fixture(autouse=True)
def _empty_buffer():
    with calllog.BUFFER.lock:
        calllog.BUFFER.rows.clear()


@pytest.fixture
def app(alice):
    make_developer(alice)
    return make_app(alice)


def page(client, app, **query):
    return client.get(reverse("console:api-calls", args=[app.pk]), query)


def make_call(app, *, request_id: str, age=timedelta(minutes=1), **fields) -> ApiCall:
    values = {
        "endpoint": endpoints.AUTHORIZED_SHOPS.key,
        "method": "GET",
        "path": endpoints.AUTHORIZED_SHOPS.path,
        "status": 200,
        **fields,
    }
    return ApiCall.objects.create(
        app_id=app.pk, request_id=request_id, at=timezone.now() - age, **values
    )


@pytest.fixture
def calls(app):
    """One call of each kind for alice's app, and one of another app."""
    make_call(app, request_id="ok-1", shop_id=SHOP, shop_cipher=CIPHER, latency_ms=12)
    make_call(app, request_id="sign-1", status=401, code=ErrorCode.INVALID_SIGN)
    make_call(app, request_id="slow-1", status=429, code=ErrorCode.TOO_MANY_REQUESTS)
    make_call(
        app,
        request_id="tok-1",
        endpoint=endpoints.TOKEN_GET.key,
        path=endpoints.TOKEN_GET.path,
        status=400,
        code=ErrorCode.INVALID_PARAMETER,
    )
    make_call(app, request_id="lost-1", endpoint="", path="/api/v2/nope", status=404)
    make_call(app, request_id="week-old", age=timedelta(days=3))
    other = make_app(app.owner, name="Other App")
    make_call(other, request_id="other-app-1")


def shown(response) -> set[str]:
    return {
        rid
        for rid in ("ok-1", "sign-1", "slow-1", "tok-1", "lost-1", "week-old", "other-app-1")
        if f"<code>{rid}</code>" in response.content.decode()
    }


ALL_OF_ALICES = {"ok-1", "sign-1", "slow-1", "tok-1", "lost-1", "week-old"}


def test_the_page_lists_the_apps_calls_newest_first(alice_client, app, calls):
    # when
    response = page(alice_client, app)

    # then
    assert response.status_code == 200
    assert shown(response) == ALL_OF_ALICES
    body = response.content.decode()
    assert body.index("<code>lost-1</code>") < body.index("<code>week-old</code>")
    assert "GET /authorization/202309/shops" in body
    assert "GET /api/v2/nope" in body  # a 404 has no endpoint: what was asked
    assert "12 ms" in body
    assert "throttled" in body
    assert 'aria-current="page"' in body
    assert "API call log" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"request_id": "sign-1"}, {"sign-1"}),
        ({"request_id": " sign-1 "}, {"sign-1"}),
        ({"request_id": "sign"}, set()),  # exact, not a substring
        ({"status": "success"}, {"ok-1", "week-old"}),
        ({"status": "error"}, {"sign-1", "slow-1", "tok-1", "lost-1"}),
        ({"status": "throttled"}, {"slow-1"}),
        ({"status": "404"}, {"lost-1"}),
        ({"endpoint": endpoints.TOKEN_GET.key}, {"tok-1"}),
        ({"shop": SHOP}, {"ok-1"}),
        ({"shop": CIPHER}, {"ok-1"}),
        ({"status": "error", "endpoint": endpoints.AUTHORIZED_SHOPS.key}, {"sign-1", "slow-1"}),
    ],
)
def test_filters_narrow_the_list(alice_client, app, calls, query, expected):
    # when
    response = page(alice_client, app, **query)

    # then
    assert response.status_code == 200
    assert shown(response) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"status": "teapot"},
        {"status": "999"},
        {"endpoint": "dropTables"},
        {"request_id": "x" * 65},
        {"shop": "s" * 65},
    ],
)
def test_bad_filter_input_gets_a_clear_message(alice_client, app, calls, query):
    # when
    response = page(alice_client, app, **query)

    # then
    assert response.status_code == 400
    assert "Please fix the following" in response.content.decode()
    assert shown(response) == set()


def test_a_page_that_is_no_number_is_the_first(alice_client, app, calls):
    assert shown(page(alice_client, app, page="x")) == ALL_OF_ALICES
    assert shown(page(alice_client, app, page="-3")) == ALL_OF_ALICES


def test_the_list_is_paginated_by_50_in_a_bounded_number_of_queries(
    alice_client, app, django_assert_max_num_queries
):
    # given
    now = timezone.now()
    ApiCall.objects.bulk_create(
        ApiCall(app_id=app.pk, request_id=f"r{i:03}", method="GET", path="/x", status=200,
                at=now - timedelta(seconds=i))
        for i in range(120)
    )  # fmt: skip
    page(alice_client, app)  # the session and the user, read once

    # when
    with CaptureQueriesContext(connection) as first:
        response = page(alice_client, app)
    third = page(alice_client, app, page=3)

    # then
    body = response.content.decode()
    assert body.count("<code>r") == 50
    assert "<code>r000</code>" in body
    assert "<code>r049</code>" in body
    assert "Older" in body
    assert "Newer" not in body
    last = third.content.decode()
    assert last.count("<code>r") == 20
    assert "Older" not in last
    assert "Newer" in last
    # session, user, app, the page's rows, the chart: no query per row, no COUNT(*)
    assert len(first.captured_queries) <= 7, [q["sql"] for q in first.captured_queries]
    assert not any("COUNT(*)" in q["sql"] and "GROUP BY" not in q["sql"]
                   for q in first.captured_queries)  # fmt: skip


def test_the_chart_counts_calls_and_errors_per_day(alice_client, app):
    # given: today 3 calls (1 error), two days ago 1 error, eight days ago 1 call
    for status in (200, 200, 500):
        make_call(app, request_id=f"today-{status}-{ApiCall.objects.count()}", status=status)
    make_call(app, request_id="two-days", age=timedelta(days=2), status=401)
    make_call(app, request_id="too-old", age=timedelta(days=8))

    # when
    response = page(alice_client, app)

    # then
    rows = response.context["days"]
    assert len(rows) == 7
    today = timezone.now().date()
    assert rows[-1]["day"] == today
    assert (rows[-1]["calls"], rows[-1]["errors"]) == (3, 1)
    assert (rows[-1]["calls_step"], rows[-1]["errors_step"]) == (20, 7)
    two_days = rows[-3] if rows[-3]["day"] == today - timedelta(days=2) else None
    assert two_days is not None
    assert (two_days["calls"], two_days["errors"]) == (1, 1)
    assert sum(row["calls"] for row in rows) == 4
    body = response.content.decode()
    assert "call-bar-20" in body
    assert "style=" not in body


def test_a_call_made_a_moment_ago_shows_at_once(alice_client, app, client):
    # given: a call in this process's buffer, not written yet
    path = endpoints.AUTHORIZED_SHOPS.path
    made = client.get(path, signed_params(app, path, secret="not-the-secret"))
    assert not ApiCall.objects.exists()

    # when
    response = page(alice_client, app)

    # then
    (call,) = response.context["calls"]
    assert call.request_id == made["X-Request-ID"]
    assert call.code == ErrorCode.INVALID_SIGN


def test_the_page_answers_when_the_log_cannot_be_written(alice_client, app, calls, monkeypatch):
    # given
    monkeypatch.setattr(calllog.BUFFER, "flush", lambda: -1)

    # when
    response = page(alice_client, app)

    # then
    assert response.status_code == 200
    assert shown(response) == ALL_OF_ALICES


def test_another_accounts_app_is_a_404(client, bob, app, calls):
    # given
    client.force_login(bob)

    # when
    response = page(client, app)

    # then
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, app):
    response = page(client, app)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_member_who_views_apps_reads_the_log(client, alice, app, calls):
    # given
    member = make_member(account=alice, email="val@example.com", role="viewer")
    client.force_login(member)

    # when
    response = page(client, app)

    # then
    assert response.status_code == 200
    assert shown(response) == ALL_OF_ALICES


def test_a_member_without_apps_is_refused(client, alice, app, calls):
    # given: every module but App & Service
    role = {m.value: int(Access.MANAGE) for m in Module if m != Module.APPS}
    member = make_member(account=alice, email="wes@example.com", role=role)
    client.force_login(member)

    # when
    response = page(client, app)

    # then
    assert response.status_code == 403
    assert "ok-1" not in response.content.decode()


def test_the_page_takes_only_get(alice_client, app):
    response = alice_client.post(reverse("console:api-calls", args=[app.pk]))
    assert response.status_code == 405
