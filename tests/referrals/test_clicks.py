"""SPEC §5.6: click counting neither slows the redirect nor loses a click: N concurrent
clicks are exactly N once flushed, in both modes, and a crashed flush neither loses nor
doubles."""

import threading
from datetime import date

import pytest
import redis
from django.db import connection
from django.test import Client

from categories.models import Center
from demo.seed.accounts import ensure_reviewers_group
from referrals import tracking
from referrals.models import ClickFlush, DailyClicks, ReferralLink
from sellers.models import SellerType
from tests.conftest import make_user

from .conftest import make_service, make_shop_partner, publish


def click_concurrently(url: str, *, threads: int, clicks_each: int) -> list[int]:
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def worker():
        client = Client()
        start.wait()
        try:
            for _ in range(clicks_each):
                status = client.get(url).status_code
                with lock:
                    statuses.append(status)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return statuses


@pytest.fixture
def live_link(transactional_db):
    """A published local link, committed so other threads' connections see it."""
    rita = make_user(email="rita@example.com", is_staff=True)
    rita.groups.add(ensure_reviewers_group())
    alice = make_user(email="alice@example.com", center=Center.US)
    make_shop_partner(alice, reviewer=rita)
    service = publish(make_service(alice))
    return service.links.get(seller_type=SellerType.LOCAL)


def daily_total(link) -> int:
    return sum(DailyClicks.objects.filter(link=link).values_list("count", flat=True))


def test_concurrent_clicks_are_all_counted_in_the_database(live_link):
    # given: SQLite serialises writers, so a modest crowd; PostgreSQL takes more
    threads = 8 if connection.vendor == "sqlite" else 16
    clicks_each = 10

    # when
    statuses = click_concurrently(
        live_link.get_absolute_url(), threads=threads, clicks_each=clicks_each
    )

    # then
    assert statuses.count(302) == len(statuses) == threads * clicks_each
    live_link.refresh_from_db()
    assert live_link.clicks == threads * clicks_each == daily_total(live_link)


def test_concurrent_clicks_are_counted_in_redis_and_flushed_exactly(live_link, redis_counter):
    # given
    threads, clicks_each = 16, 25

    # when: clicks keep arriving while flushes run
    flushes = []

    def flush_while_clicking():
        try:
            for _ in range(5):
                flushes.append(tracking.flush_clicks())
        finally:
            connection.close()

    flusher = threading.Thread(target=flush_while_clicking)
    flusher.start()
    statuses = click_concurrently(
        live_link.get_absolute_url(), threads=threads, clicks_each=clicks_each
    )
    flusher.join()
    tracking.flush_clicks()

    # then
    assert statuses.count(302) == threads * clicks_each
    live_link.refresh_from_db()
    assert live_link.clicks == threads * clicks_each == daily_total(live_link)
    assert redis_counter.exists(tracking.PENDING_KEY) == 0
    assert redis_counter.scard(tracking.OPEN_BATCHES_KEY) == 0


def test_flush_is_idempotent_after_a_crash_past_the_database_commit(
    live_link, redis_counter, monkeypatch
):
    # given: 7 clicks, and a flush that dies after committing, before cleaning Redis
    for _ in range(7):
        tracking.record_click(live_link.pk)
    real_pipeline = redis.Redis.pipeline

    def crashing_pipeline(self, *args, **kwargs):
        pipe = real_pipeline(self, *args, **kwargs)
        pipe.delete = lambda *a: (_ for _ in ()).throw(redis.ConnectionError("crash"))
        return pipe

    monkeypatch.setattr(redis.Redis, "pipeline", crashing_pipeline)
    with pytest.raises(redis.ConnectionError):
        tracking.flush_clicks()
    monkeypatch.setattr(redis.Redis, "pipeline", real_pipeline)
    live_link.refresh_from_db()
    assert live_link.clicks == 7
    assert redis_counter.scard(tracking.OPEN_BATCHES_KEY) == 1  # the batch is still open

    # when
    moved = tracking.flush_clicks()

    # then: the batch is recognised as done, and dropped
    assert moved == 0
    live_link.refresh_from_db()
    assert live_link.clicks == 7 == daily_total(live_link)
    assert redis_counter.scard(tracking.OPEN_BATCHES_KEY) == 0
    assert ClickFlush.objects.count() == 1


def test_flush_is_idempotent_after_a_crash_before_the_database_commit(
    live_link, redis_counter, monkeypatch
):
    # given: 5 clicks, and a flush whose database write fails
    for _ in range(5):
        tracking.record_click(live_link.pk)

    def failing_add(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(tracking, "add_clicks", failing_add)
    with pytest.raises(RuntimeError):
        tracking.flush_clicks()
    monkeypatch.undo()
    tracking.record_click(live_link.pk)  # a click arriving meanwhile

    # when
    moved = tracking.flush_clicks()

    # then: nothing was lost, nothing doubled
    assert moved == 6
    live_link.refresh_from_db()
    assert live_link.clicks == 6 == daily_total(live_link)
    assert not ClickFlush.objects.filter(clicks=0).exists()


def test_a_click_is_counted_in_the_database_when_redis_is_down(live_link, redis_counter, settings):
    # given: nothing listens on this port
    settings.REFERRAL_CLICKS_REDIS_URL = "redis://127.0.0.1:1/0"

    # when
    response = Client().get(live_link.get_absolute_url())

    # then
    assert response.status_code == 302
    live_link.refresh_from_db()
    assert live_link.clicks == 1


def test_clicks_are_counted_per_day(live_link, time_machine):
    time_machine.move_to("2026-03-01 23:59:00+00:00", tick=False)
    tracking.record_click(live_link.pk)
    time_machine.move_to("2026-03-02 00:00:01+00:00", tick=False)
    tracking.record_click(live_link.pk)
    tracking.record_click(live_link.pk)

    days = dict(DailyClicks.objects.filter(link=live_link).values_list("day", "count"))

    assert days == {date(2026, 3, 1): 1, date(2026, 3, 2): 2}
    assert ReferralLink.objects.get(pk=live_link.pk).clicks == 3
