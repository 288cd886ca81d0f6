"""Sessions shared by every node (cache + database), and served from the database when Redis
is down — including a sign-out made during the outage, which Redis must not undo later."""

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session

from tests.conftest import PASSWORD, requires_redis

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def redis_cache(url: str) -> dict:
    """CACHES as settings.py builds them for REDIS_URL=url."""
    return {
        "default": {
            "BACKEND": "partner_center.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "socket_connect_timeout": django_settings.REDIS_CONNECT_TIMEOUT,
                "socket_timeout": django_settings.REDIS_SOCKET_TIMEOUT,
                "RETRY_AFTER": django_settings.REDIS_RETRY_AFTER_SECONDS,
            },
        }
    }


@pytest.fixture
def shared_sessions(settings):
    settings.SESSION_ENGINE = "partner_center.sessions"


def log_in(client, user) -> str:
    response = client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client.cookies[settings_cookie()].value


def settings_cookie() -> str:
    return django_settings.SESSION_COOKIE_NAME


def signed_in(client) -> bool:
    return client.get("/").wsgi_request.user.is_authenticated


def test_with_redis_configured_sessions_use_the_cache_and_the_database():
    if not django_settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: sessions are database sessions")

    assert django_settings.SESSION_ENGINE == "partner_center.sessions"


def test_with_redis_down_sessions_work_from_the_database(shared_sessions, settings, client, alice):
    # given: Redis unreachable
    settings.CACHES = redis_cache(DEAD_REDIS)

    # when
    key = log_in(client, alice)

    # then: the session lives in the database, and the next request is signed in
    assert Session.objects.filter(session_key=key).exists()
    assert signed_in(client)
    client.post("/account/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert not signed_in(client)


@pytest.mark.redis
@requires_redis()
def test_a_sign_out_during_a_redis_outage_stays_signed_out_when_redis_is_back(
    shared_sessions, settings, client, alice
):
    # given: alice signed in while Redis was up (her session is in the cache too)
    settings.CACHES = redis_cache(django_settings.REDIS_URL)
    key = log_in(client, alice)
    assert signed_in(client)

    # when: she signs out while Redis is unreachable (the cache keeps the old session) ...
    settings.CACHES = redis_cache(DEAD_REDIS)
    client.post("/account/logout/")
    assert not Session.objects.filter(session_key=key).exists()

    # ... and Redis comes back; her old cookie is presented again
    settings.CACHES = redis_cache(django_settings.REDIS_URL)
    client.cookies[settings_cookie()] = key

    # then: the stale cache entry is not trusted
    assert not signed_in(client)


@pytest.mark.redis
@requires_redis()
def test_a_session_read_on_one_node_was_written_on_another(
    shared_sessions, settings, client, alice
):
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import cache

    settings.CACHES = redis_cache(django_settings.REDIS_URL)
    key = log_in(client, alice)

    # The cache every node reads holds it (the database too, for when Redis is away).
    assert cache.get(KEY_PREFIX + key)["_auth_user_id"] == str(alice.pk)
    assert Session.objects.filter(session_key=key).exists()
