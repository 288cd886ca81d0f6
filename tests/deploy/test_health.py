"""`/health/` in-process: every check green on the embedded default, Redis named degraded
when it is unreachable (the database-down 503 runs against a real server in test_compose)."""

import pytest

from tests.deploy.servers import free_port


@pytest.mark.django_db
def test_health_is_green_on_the_embedded_default(client):
    # when
    response = client.get("/health/")

    # then
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert {name: check["status"] for name, check in report["checks"].items()} == {
        "database": "ok",
        "migrations": "ok",
        "cache": "ok",
        "broker": "ok",
        "click_counter": "ok",
        "storage": "ok",
    }


@pytest.mark.django_db
def test_health_names_redis_degraded_and_still_answers_200(client, settings):
    # given: the cache, the broker and the click counter all on a Redis nobody listens on
    closed = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": closed}
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = closed
    settings.REFERRAL_CLICK_COUNTER = "redis"
    settings.REFERRAL_CLICKS_REDIS_URL = closed

    # when
    response = client.get("/health/")

    # then
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "degraded"
    assert {n for n, c in report["checks"].items() if c["status"] == "degraded"} == {
        "cache",
        "broker",
        "click_counter",
    }
    assert report["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_health_answers_probes_over_plain_http_where_pages_redirect_to_https(client, settings):
    # given: production's HTTPS redirect
    settings.SECURE_SSL_REDIRECT = True

    # when
    page = client.get("/")
    probe = client.get("/health/")

    # then: a probe speaks plain HTTP to the node itself
    assert page.status_code == 301
    assert probe.status_code == 200
