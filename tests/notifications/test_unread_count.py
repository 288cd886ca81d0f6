"""The bell's unread count on every partner page: from the shared cache when there is one,
dropped whenever a notification arrives, is read or is deleted (once that commits)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from notifications.services import _unread_key, unread_count

NOTIFICATION_TABLE = '"onboarding_notification"'


@pytest.fixture
def cached(settings, alice):
    settings.NOTIFICATION_UNREAD_CACHE_SECONDS = 60
    cache.delete(_unread_key(alice.pk))
    yield
    cache.delete(_unread_key(alice.pk))


def notify(user, title="Hello"):
    return Notification.objects.create(
        user=user, kind=Notification.Kind.APPLICATION_APPROVED, title=title, body="Body"
    )


def bell(client) -> str:
    page = client.get("/").content.decode()
    if '<span class="bell-count">' not in page:
        return ""
    return page.split('<span class="bell-count">', 1)[1].split("<", 1)[0]


def notification_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    return [q["sql"] for q in captured.captured_queries if NOTIFICATION_TABLE in q["sql"]]


def test_a_page_reads_the_count_from_the_cache_once_it_is_there(cached, alice, alice_client):
    # given
    notify(alice)
    alice_client.get("/")  # counts, and keeps the count

    # when
    queries = notification_queries(alice_client)

    # then
    assert queries == []
    assert cache.get(_unread_key(alice.pk)) == 1


def test_a_new_notification_shows_on_the_next_page(
    cached, alice, alice_client, django_capture_on_commit_callbacks
):
    # given
    assert bell(alice_client) == ""

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notify(alice)

    # then
    assert bell(alice_client) == "1"


def test_a_count_cached_before_the_commit_is_dropped_by_the_commit(
    cached, alice, django_capture_on_commit_callbacks
):
    # given
    assert unread_count(alice) == 0

    # when: written, not committed yet; another page, which cannot see the new row yet,
    # caches the count it saw
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(alice)
        assert cache.get(_unread_key(alice.pk)) is None  # dropped at once for this request
    cache.set(_unread_key(alice.pk), 0, 60)

    # then: served stale until the commit, which drops it
    assert unread_count(alice) == 0
    for callback in callbacks:
        callback()
    assert unread_count(alice) == 1


def test_opening_a_notification_or_reading_all_updates_the_bell(
    cached, alice, alice_client, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        first, _second, _third = notify(alice, "one"), notify(alice, "two"), notify(alice, "3")
    assert bell(alice_client) == "3"

    # when / then
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/onboarding/notifications/{first.pk}/open/")
    assert bell(alice_client) == "2"
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/onboarding/notifications/read-all/")
    assert bell(alice_client) == ""


def test_deleting_a_notification_updates_the_bell(
    cached, alice, alice_client, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(alice)
    assert bell(alice_client) == "1"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification.delete()

    # then
    assert bell(alice_client) == ""


def test_without_a_shared_cache_every_page_counts(settings, alice, alice_client):
    # given: the embedded default's cache is per process: a count kept there would go stale
    settings.NOTIFICATION_UNREAD_CACHE_SECONDS = 0
    alice_client.get("/")

    # when
    queries = notification_queries(alice_client)

    # then
    assert len(queries) == 1
    assert cache.get(_unread_key(alice.pk)) is None
