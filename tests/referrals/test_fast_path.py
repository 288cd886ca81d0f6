"""The public link's WSGI fast path (referrals/fastpath.py), called as gunicorn calls it.

It answers an active link's GET and HEAD itself, with what the full stack would answer, and
hands everything else, untouched, to Django: the "not available" page, a Host Django refuses,
plain HTTP under SECURE_SSL_REDIRECT, another method, a malformed token, a control character.
"""

import importlib
from dataclasses import dataclass

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import fastpath, services, tracking
from referrals.models import DailyClicks, ReferralLink
from tests.faults.conftest import DEAD_REDIS, dead_redis_cache

from .test_redirect import NOT_AVAILABLE, local_link


class Django:
    """Django's WSGI handler, counting the requests the fast path hands over."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    by_django: bool


@pytest.fixture
def serve(monkeypatch):
    """Send a request through ReferralFastPath(Django) and collect the answer.

    As Django's test Client does, connections are not closed around requests here: the
    test's transaction holds them (test_connection_hygiene checks the real thing)."""
    monkeypatch.setattr(fastpath, "close_old_connections", lambda: None)

    def call(path: str, method: str = "GET", *, secure: bool = False, **environ) -> Answer:
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        django = Django()
        app = fastpath.referral_fast_path(django)
        request = RequestFactory().generic(method, path, secure=secure, **environ)
        seen: dict = {}

        def start_response(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers

        chunks = app(request.environ, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return Answer(
            status=int(seen["status"].split()[0]),
            headers=dict(seen["headers"]),
            body=body,
            by_django=django.calls == 1,
        )

    yield call
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def clicks(link: ReferralLink) -> int:
    tracking.flush_clicks()
    link.refresh_from_db()
    return link.clicks


def test_active_link_is_answered_before_django_and_counted_once(alice_service, serve):
    link = local_link(alice_service)

    answer = serve(link.get_absolute_url())

    assert answer.status == 302
    assert not answer.by_django
    assert answer.headers["Location"] == f"{reverse('referrals:seller-start')}?ref={link.token}"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in answer.headers  # plain HTTP
    assert answer.body == b""
    assert clicks(link) == 1
    assert DailyClicks.objects.get(link=link).count == 1


def test_the_fast_path_answers_what_the_full_stack_answers(alice_service, serve, client):
    link = local_link(alice_service)

    fast = serve(link.get_absolute_url())
    full = client.get(link.get_absolute_url())

    assert not fast.by_django
    assert full.status_code == fast.status == 302
    for header in (
        "Location",
        "Cache-Control",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Frame-Options",
        "Content-Type",
    ):
        assert full[header] == fast.headers[header], header
    assert clicks(link) == 2


def test_the_redirect_carries_the_request_id_like_every_response(alice_service, serve):
    link = local_link(alice_service)

    given = serve(link.get_absolute_url(), HTTP_X_REQUEST_ID="lb-7f3a.21")
    made = serve(link.get_absolute_url(), HTTP_X_REQUEST_ID="not a sane id")

    assert not given.by_django
    assert not made.by_django
    assert given.headers["X-Request-ID"] == "lb-7f3a.21"
    assert len(made.headers["X-Request-ID"]) == 32
    assert made.headers["X-Request-ID"] != "not a sane id"


def test_the_fast_path_and_the_view_follow_the_same_rule(alice_service, serve, client, monkeypatch):
    # given: the rule, watched
    link = local_link(alice_service)
    asked = []
    rule = tracking.follow

    def follow(token, *, count):
        asked.append((token, count))
        return rule(token, count=count)

    monkeypatch.setattr(tracking, "follow", follow)

    # when
    serve(link.get_absolute_url())
    serve(link.get_absolute_url(), "HEAD")
    client.get(link.get_absolute_url())
    client.head(link.get_absolute_url())

    # then: both asked it, GET counting and HEAD not
    assert asked == [(link.token, True), (link.token, False)] * 2


@pytest.mark.redis
def test_redis_mode_counts_once_and_touches_no_database(alice_service, serve, redis_counter):
    # given: the token's state cached in Redis by a first click
    link = local_link(alice_service)
    serve(link.get_absolute_url())

    # when
    with CaptureQueriesContext(connection) as queries:
        answer = serve(link.get_absolute_url())

    # then
    assert answer.status == 302
    assert not answer.by_django
    assert queries.captured_queries == []
    assert tracking.pending_clicks([link.pk]) == {link.pk: 2}
    assert clicks(link) == 2


@pytest.mark.parametrize("mode", ["database", pytest.param("redis", marks=pytest.mark.redis)])
def test_head_is_answered_not_counted(mode, alice_service, serve, request):
    if mode == "redis":
        request.getfixturevalue("redis_counter")
    link = local_link(alice_service)

    answer = serve(link.get_absolute_url(), "HEAD")

    assert answer.status == 302
    assert not answer.by_django
    assert answer.headers["Location"].endswith(f"?ref={link.token}")
    assert clicks(link) == 0


@pytest.mark.parametrize("mode", ["database", pytest.param("redis", marks=pytest.mark.redis)])
def test_deactivated_link_gets_the_full_stack_page_and_no_click(
    mode, alice_service, serve, request, django_capture_on_commit_callbacks
):
    # given
    if mode == "redis":
        request.getfixturevalue("redis_counter")
    link = local_link(alice_service)
    serve(link.get_absolute_url())  # one click; the state is cached
    with django_capture_on_commit_callbacks(execute=True):
        services.deactivate_service(service_id=alice_service.pk, by=alice_service.partner)

    # when
    answer = serve(link.get_absolute_url())

    # then: Django's page, with the portal's layout and headers
    assert answer.status == 410
    assert answer.by_django
    assert NOT_AVAILABLE in answer.body.decode()
    assert "Content-Security-Policy" in answer.headers
    assert "Location" not in answer.headers
    assert clicks(link) == 1


def test_unknown_token_gets_the_not_available_page(alice_service, serve):
    answer = serve("/r/unknown-token-0000000000000000000")

    assert answer.status == 404
    assert answer.by_django
    assert NOT_AVAILABLE in answer.body.decode()
    assert not ReferralLink.objects.filter(clicks__gt=0).exists()


def test_redis_down_still_redirects_and_counts_in_the_database(alice_service, serve, settings):
    # given: cache and click counter at a closed port
    link = local_link(alice_service)
    settings.CACHES = dead_redis_cache()
    settings.REFERRAL_CLICK_COUNTER = "redis"
    settings.REFERRAL_CLICKS_REDIS_URL = DEAD_REDIS

    # when
    answers = [serve(link.get_absolute_url()) for _ in range(3)]

    # then
    assert [a.status for a in answers] == [302] * 3
    assert not any(a.by_django for a in answers)
    link.refresh_from_db()
    assert link.clicks == 3
    assert DailyClicks.objects.get(link=link).count == 3


def test_a_host_django_refuses_is_djangos_400(alice_service, serve):
    link = local_link(alice_service)

    answer = serve(link.get_absolute_url(), HTTP_HOST="evil.example")

    assert answer.status == 400
    assert answer.by_django
    assert clicks(link) == 0


def test_plain_http_under_ssl_redirect_is_djangos_301(alice_service, serve, settings):
    settings.SECURE_SSL_REDIRECT = True
    link = local_link(alice_service)

    answer = serve(link.get_absolute_url())

    assert answer.status == 301
    assert answer.by_django
    assert answer.headers["Location"] == f"https://testserver{link.get_absolute_url()}"
    assert clicks(link) == 0


def test_https_under_ssl_redirect_gets_hsts(alice_service, serve, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = False
    link = local_link(alice_service)

    answer = serve(link.get_absolute_url(), secure=True)

    assert answer.status == 302
    assert not answer.by_django
    assert answer.headers["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert clicks(link) == 1


def test_https_behind_a_proxy_is_recognised(alice_service, serve, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    link = local_link(alice_service)

    forwarded = serve(link.get_absolute_url(), HTTP_X_FORWARDED_PROTO="https")
    plain = serve(link.get_absolute_url(), HTTP_X_FORWARDED_PROTO="http")

    assert (forwarded.status, forwarded.by_django) == (302, False)
    assert (plain.status, plain.by_django) == (301, True)


def test_post_is_left_to_django(alice_service, serve, client):
    link = local_link(alice_service)

    answer = serve(link.get_absolute_url(), "POST")

    # Without a CSRF token the full stack refuses it first, as it always did; with CSRF
    # checks off (the test Client), the view's 405.
    assert answer.status == 403
    assert answer.by_django
    assert client.post(link.get_absolute_url()).status_code == 405
    assert clicks(link) == 0


@pytest.mark.parametrize(
    ("path", "environ", "status"),
    [
        ("/r/" + "A" * 65, {}, 404),  # longer than any token
        ("/r/abc\x01def", {}, 400),  # a control character in the path
        ("/r/{token}/", {}, 404),  # not the link's path
        ("/r/{token}?x=%00", {}, 400),  # one in the query, escaped
        ("/r/{token}", {"HTTP_X_NOTE": "a\x00b"}, 400),  # one in a header
    ],
)
def test_what_the_fast_path_does_not_answer_goes_to_django(
    path, environ, status, alice_service, serve
):
    link = local_link(alice_service)

    answer = serve(path.format(token=link.token), **environ)

    assert answer.status == status
    assert answer.by_django
    assert clicks(link) == 0


def test_a_harmless_query_is_still_answered_fast(alice_service, serve):
    link = local_link(alice_service)

    answer = serve(f"{link.get_absolute_url()}?utm_source=mail")

    assert answer.status == 302
    assert not answer.by_django
    assert answer.headers["Location"] == f"{reverse('referrals:seller-start')}?ref={link.token}"
    assert clicks(link) == 1


def test_the_web_entry_point_puts_the_fast_path_in_front_of_django(monkeypatch):
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "0")  # the module sets it when missing
    wsgi = importlib.import_module("partner_center.wsgi")

    assert isinstance(wsgi.application, fastpath.ReferralFastPath)
    assert isinstance(wsgi.application.app, WSGIHandler)


@pytest.mark.django_db(transaction=True)
def test_connection_hygiene_drops_an_expired_connection(alice_service):
    # given: an open connection past its age, as Django's request_started would find it
    link = local_link(alice_service)
    connection.ensure_connection()
    expired = connection.connection
    connection.close_at = 0
    app = fastpath.referral_fast_path(Django())
    environ = RequestFactory().get(link.get_absolute_url()).environ

    # when
    statuses = []
    app(environ, lambda status, headers, exc_info=None: statuses.append(status))

    # then: a fresh connection counted the click, and stays open for the next request
    assert statuses == ["302 Found"]
    assert connection.connection is not None
    assert connection.connection is not expired
    assert clicks(link) == 1
