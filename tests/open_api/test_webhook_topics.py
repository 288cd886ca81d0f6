"""SPEC §9.6: an app subscribes per webhook topic; only subscribed topics reach the outbox; a
consent sends the portal's own topic 101; the webhook log filters by topic and status."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps_services.models import AppEvent
from open_api import services, tasks
from open_api.models import Authorization, WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.conftest import make_member

from .conftest import SAM_SHOP, authorize, make_app, publish

Topic = WebhookDelivery.EventType


@pytest.fixture
def hooked_app(certified_alice, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    return publish(make_app(certified_alice, webhook_url="https://hooks.alice.example/tts"))


def topics_url(app) -> str:
    return reverse("open_api:app-webhook-topics", args=[app.pk])


def log_url(app) -> str:
    return reverse("open_api:app-webhooks", args=[app.pk])


def subscribe(app, *topics: int) -> None:
    services.set_webhook_topics(app_id=app.pk, by=app.owner, topics=topics)


def make_deliveries(app, count: int, *, event_type: int = Topic.SELLER_DEAUTHORIZATION, **extra):
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            app=app,
            event_type=event_type,
            notification_id=f"{event_type}-{extra.get('state', 'p')}-{n}-{app.pk}",
            shop_id=SAM_SHOP,
            body="{}",
            **extra,
        )
        for n in range(count)
    )
    WebhookAttempt.objects.bulk_create(
        WebhookAttempt(delivery=row, number=1, url=app.webhook_url) for row in rows
    )
    return rows


# --- the rule: only subscribed topics are written ------------------------------------------


def test_a_new_app_is_subscribed_to_every_topic(hooked_app):
    assert WebhookSubscription.objects.topics_of(hooked_app) == set(Topic)


def test_an_unsubscribed_topic_writes_no_outbox_row(sam_client, hooked_app, sam):
    # given: the app no longer wants deauthorizations
    subscribe(hooked_app, Topic.AUTHORIZATION_GRANTED)
    authorize(sam_client, hooked_app)

    # when
    services.revoke_as_seller(
        authorization_id=Authorization.objects.get().pk, seller_account_id=str(sam.pk)
    )

    # then: the grant was written, the deauthorization was not
    assert list(WebhookDelivery.objects.values_list("event_type", flat=True)) == [101]


def test_a_subscribed_topic_writes_its_outbox_row(sam_client, hooked_app, sam):
    # given
    subscribe(hooked_app, Topic.SELLER_DEAUTHORIZATION)
    authorize(sam_client, hooked_app)

    # when
    services.revoke_as_seller(
        authorization_id=Authorization.objects.get().pk, seller_account_id=str(sam.pk)
    )

    # then
    assert list(WebhookDelivery.objects.values_list("event_type", flat=True)) == [6]


def test_a_test_event_is_sent_for_an_unsubscribed_topic(hooked_app):
    # given
    subscribe(hooked_app)

    # when
    delivery = services.send_test_webhook(
        app_id=hooked_app.pk, by=hooked_app.owner, event_type=Topic.AUTHORIZATION_GRANTED
    )

    # then
    assert delivery.is_test
    assert json.loads(delivery.body)["type"] == 101


# --- topic 101: authorization granted ---------------------------------------------------------


def test_each_consent_sends_one_authorization_granted_event(
    sam_client, hooked_app, django_capture_on_commit_callbacks
):
    # when: the seller authorizes, then authorizes again (a renewal)
    with django_capture_on_commit_callbacks() as callbacks:
        first_code = authorize(sam_client, hooked_app)
        second_code = authorize(sam_client, hooked_app)

    # then: one event per consent, each queued on commit, with who the shop is and no secret
    granted = list(WebhookDelivery.objects.filter(event_type=101).order_by("pk"))
    assert len(granted) == 2
    queued = [c for c in callbacks if getattr(c, "func", None) is tasks.queue_webhook]
    assert [c.args for c in queued] == [(granted[0].pk,), (granted[1].pk,)]
    assert granted[0].notification_id != granted[1].notification_id
    authorization = Authorization.objects.get()
    body = json.loads(granted[1].body)
    assert body["shop_id"] == SAM_SHOP
    assert body["data"] == {
        "message": "A seller authorized this app for the shop.",
        "open_id": authorization.open_id,
        "shop_name": authorization.shop_name,
        "shop_region": authorization.shop_region,
        "expiration_time": int(authorization.expires_at.timestamp()),
    }
    for code in (first_code, second_code):
        assert code not in granted[0].body
        assert code not in granted[1].body


def test_a_refused_consent_sends_nothing(client, hooked_app, sara):
    # given: Sara's shop is not Sam's; she tries to authorize it as someone else's
    from .conftest import seller_login

    seller_login(client, sara)

    # when
    response = client.post(
        f"/open/authorize?service_id={hooked_app.service_id}",
        {"decision": "authorize", "shop_id": SAM_SHOP},
    )

    # then
    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()


# --- the topics page --------------------------------------------------------------------------


def test_developer_sees_each_topic_with_what_it_means(hooked_app, client, certified_alice):
    # given
    client.force_login(certified_alice)

    # when
    page = client.get(topics_url(hooked_app))

    # then
    assert page.status_code == 200
    for topic in Topic:
        assert f'value="{int(topic)}"' in page.text
    assert "Sent once per consent" in page.text
    assert page.text.count("checked") == len(Topic)


def test_developer_saves_topics_and_the_change_is_in_the_apps_history(
    hooked_app, client, certified_alice
):
    # given
    client.force_login(certified_alice)

    # when
    response = client.post(topics_url(hooked_app), {"topics": ["6", "101"]}, follow=True)

    # then
    assert "Topics saved." in response.text
    assert WebhookSubscription.objects.topics_of(hooked_app) == {6, 101}
    event = AppEvent.objects.filter(app=hooked_app).latest("pk")
    assert (event.kind, event.note, event.by) == (
        AppEvent.Kind.EDITED,
        "webhook topics: 6, 101",
        certified_alice,
    )


def test_unticking_every_topic_subscribes_to_none(hooked_app, client, certified_alice):
    # given
    client.force_login(certified_alice)

    # when
    client.post(topics_url(hooked_app), {})

    # then
    assert WebhookSubscription.objects.topics_of(hooked_app) == set()


def test_an_unknown_topic_is_refused_and_nothing_changes(hooked_app, client, certified_alice):
    # given
    client.force_login(certified_alice)

    # when
    response = client.post(topics_url(hooked_app), {"topics": ["6", "999"]})

    # then
    assert response.status_code == 200
    assert "999 is not one of the available choices" in response.text
    assert WebhookSubscription.objects.topics_of(hooked_app) == set(Topic)


def test_a_viewer_member_reads_topics_but_cannot_change_them(hooked_app, client, certified_alice):
    # given
    viewer = make_member(account=certified_alice, email="v@example.com", role={"webhooks": 1})
    client.force_login(viewer)

    # when
    page = client.get(topics_url(hooked_app))
    post = client.post(topics_url(hooked_app), {"topics": ["6"]})

    # then
    assert page.status_code == 200
    assert "Save topics" not in page.text
    assert post.status_code == 403
    assert WebhookSubscription.objects.topics_of(hooked_app) == set(Topic)


def test_a_member_who_manages_webhooks_changes_topics(hooked_app, client, certified_alice):
    # given
    member = make_member(account=certified_alice, email="m@example.com", role={"webhooks": 2})
    client.force_login(member)

    # when
    client.post(topics_url(hooked_app), {"topics": ["7"]})

    # then
    assert WebhookSubscription.objects.topics_of(hooked_app) == {7}


def test_a_member_without_webhooks_cannot_see_topics(hooked_app, client, certified_alice):
    # given
    member = make_member(account=certified_alice, email="a@example.com", role={"apps": 2})
    client.force_login(member)

    # then
    assert client.get(topics_url(hooked_app)).status_code == 403
    assert client.post(topics_url(hooked_app), {"topics": ["6"]}).status_code == 403


def test_another_partners_topics_are_404(hooked_app, client, bob):
    # given
    client.force_login(bob)

    # then
    assert client.get(topics_url(hooked_app)).status_code == 404
    assert client.post(topics_url(hooked_app), {"topics": ["6"]}).status_code == 404
    assert WebhookSubscription.objects.topics_of(hooked_app) == set(Topic)


# --- the log's filters ------------------------------------------------------------------------


def test_the_log_filters_by_topic_and_status(hooked_app, client, certified_alice):
    # given
    (wanted,) = make_deliveries(hooked_app, 1, event_type=7, state="given_up")
    (other_state,) = make_deliveries(hooked_app, 1, event_type=7, state="succeeded")
    (other_topic,) = make_deliveries(hooked_app, 1, event_type=6, state="given_up")
    client.force_login(certified_alice)

    # when
    page = client.get(log_url(hooked_app), {"topic": "7", "status": "given_up"})

    # then
    assert page.status_code == 200
    assert wanted.notification_id in page.text
    assert other_state.notification_id not in page.text
    assert other_topic.notification_id not in page.text


@pytest.mark.parametrize(
    "query",
    [{"topic": "abc"}, {"topic": "999"}, {"status": "lost"}, {"page": "zz"}, {"page": "²"}],
)
def test_bad_filter_values_are_ignored_with_a_message(hooked_app, client, certified_alice, query):
    # given
    (delivery,) = make_deliveries(hooked_app, 1)
    client.force_login(certified_alice)

    # when
    page = client.get(log_url(hooked_app), query)

    # then: the whole log, and a word about the value when it was a filter
    assert page.status_code == 200
    assert delivery.notification_id in page.text
    if "page" not in query:
        assert "Unknown filter value ignored" in page.text


def test_the_log_is_paginated_and_its_queries_do_not_grow_with_it(
    hooked_app, client, certified_alice
):
    # given
    client.force_login(certified_alice)
    make_deliveries(hooked_app, 2)
    client.get(log_url(hooked_app))  # what the first request caches (session, role) is done
    with CaptureQueriesContext(connection) as few:
        client.get(log_url(hooked_app), {"status": "pending"})
    make_deliveries(hooked_app, 45, event_type=7)

    # when
    with CaptureQueriesContext(connection) as many:
        page = client.get(log_url(hooked_app), {"page": "2"})

    # then
    assert len(many) == len(few)
    assert page.text.count('<section class="panel">') == 20
    assert "Page 2" in page.text
    assert "?page=3" in page.text
    assert "?page=1" in page.text
