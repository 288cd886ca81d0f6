"""SPEC §4.9: signed webhooks to a real HTTP receiver on 127.0.0.1, the retry schedule (2 min,
30 min, 3 h, 12 h, then given up), persistence across worker restarts, and the SSRF guard."""

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from apps_services import services as app_services
from open_api import services, tasks
from open_api.models import Authorization, WebhookAttempt, WebhookDelivery, WebhookSubscription

from .conftest import authorize, make_app, publish, secret_of

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


class Receiver:
    """The developer's webhook endpoint: answers the statuses it is given, in order (then
    200), and checks every signature the way the developer would."""

    def __init__(self):
        self.statuses: list[int] = []
        self.delay = 0.0
        self.requests: list[dict] = []
        self.app_key = ""
        self.secret = ""
        self.url = ""

    def verify(self, body: bytes, signature: str) -> bool:
        expected = hmac.new(
            self.secret.encode(), self.app_key.encode() + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, signature)


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(
                {
                    "body": body,
                    "content_type": self.headers["Content-Type"],
                    "signature_ok": state.verify(body, self.headers.get("Authorization", "")),
                    "event_id": self.headers.get("X-Event-ID"),
                    "attempt": self.headers.get("X-Delivery-Attempt"),
                }
            )
            if state.delay:
                time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"received": status == 200}).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/tts/webhook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def _local_receiver_allowed(settings):
    # The receiver runs on 127.0.0.1: allowed in tests by the setting, as in development.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.ALLOW_HTTP_LOCALHOST_REDIRECTS = True


@pytest.fixture
def hooked_app(_local_receiver_allowed, certified_alice, receiver):
    app = publish(make_app(certified_alice, webhook_url=receiver.url))
    # These tests follow the deauthorization and expiry events alone: the app keeps the
    # topics every app had before there was a choice (6 and 7), without the grant (101).
    WebhookSubscription.objects.filter(
        app=app, event_type=WebhookDelivery.EventType.AUTHORIZATION_GRANTED
    ).delete()
    receiver.app_key = app.app_key
    receiver.secret = secret_of(app)
    return app


def revoke_sams_authorization(sam_client, app, sam) -> WebhookDelivery:
    authorize(sam_client, app)
    services.revoke_as_seller(
        authorization_id=Authorization.objects.get().pk, seller_account_id=str(sam.pk)
    )
    return WebhookDelivery.objects.get()


def test_deauthorization_is_posted_as_signed_json(
    sam_client, hooked_app, sam, receiver, time_machine, django_capture_on_commit_callbacks
):
    # given
    time_machine.move_to(T0, tick=False)
    with django_capture_on_commit_callbacks() as callbacks:
        delivery = revoke_sams_authorization(sam_client, hooked_app, sam)
    assert callbacks  # queued for after the commit

    # when
    tasks.sweep()

    # then
    (request,) = receiver.requests
    assert request["signature_ok"]
    assert request["content_type"] == "application/json"
    assert json.loads(request["body"]) == {
        "type": 6,
        "tts_notification_id": delivery.notification_id,
        "shop_id": "7494000000000101",
        "timestamp": int(T0.timestamp()),
        "data": {"message": "The seller revoked the authorization of this app."},
    }
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.SUCCEEDED
    (attempt,) = delivery.attempt_log.all()
    assert (attempt.status_code, attempt.succeeded) == (200, True)
    assert attempt.response_excerpt == '{"received": true}'


def test_failed_deliveries_follow_the_retry_schedule(
    sam_client, hooked_app, sam, receiver, time_machine
):
    # given: the receiver fails the first four attempts
    receiver.statuses = [500, 503, 404, 302]
    time_machine.move_to(T0, tick=False)
    delivery = revoke_sams_authorization(sam_client, hooked_app, sam)
    tasks.sweep()
    schedule = [(2, "min"), (30, "min"), (3, "h"), (12, "h")]
    due = T0

    # when / then: nothing goes out early, each retry goes out when due
    for amount, unit in schedule:
        step = timedelta(minutes=amount) if unit == "min" else timedelta(hours=amount)
        due += step
        time_machine.move_to(due - timedelta(seconds=1), tick=False)
        sent = len(receiver.requests)
        assert tasks.sweep() == 0
        assert len(receiver.requests) == sent
        time_machine.move_to(due, tick=False)
        assert tasks.sweep() == 1
        assert len(receiver.requests) == sent + 1

    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.SUCCEEDED
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 404, 302, 200]
    assert all(request["signature_ok"] for request in receiver.requests)
    assert len({request["body"] for request in receiver.requests}) == 1  # the same bytes


def test_every_attempt_carries_the_event_id_and_its_attempt_number(
    sam_client, hooked_app, sam, receiver, time_machine, client, certified_alice
):
    # given: the receiver fails the first two attempts
    receiver.statuses = [500, 503]
    time_machine.move_to(T0, tick=False)
    delivery = revoke_sams_authorization(sam_client, hooked_app, sam)
    for offset in (timedelta(0), timedelta(minutes=2), timedelta(minutes=32)):
        time_machine.move_to(T0 + offset, tick=False)
        tasks.sweep()

    # when: the developer redelivers the delivered event
    client.force_login(certified_alice)
    client.post(reverse("open_api:app-webhook-redeliver", args=[hooked_app.pk, delivery.pk]))
    tasks.sweep()

    # then: one event id throughout, the attempts counted on (a redelivery continues)
    assert [r["event_id"] for r in receiver.requests] == [delivery.notification_id] * 4
    assert [r["attempt"] for r in receiver.requests] == ["1", "2", "3", "4"]
    assert list(delivery.attempt_log.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert all(r["signature_ok"] for r in receiver.requests)  # the signed body is unchanged
    body = json.loads(receiver.requests[-1]["body"])
    assert body["tts_notification_id"] == delivery.notification_id


def test_a_delivery_is_given_up_after_the_last_retry(
    sam_client, hooked_app, sam, receiver, time_machine
):
    # given
    receiver.statuses = [500] * 10
    time_machine.move_to(T0, tick=False)
    delivery = revoke_sams_authorization(sam_client, hooked_app, sam)

    # when
    for offset in (0, 2 * 60, 32 * 60, 3 * 3600 + 32 * 60, 15 * 3600 + 32 * 60, 30 * 86400):
        time_machine.move_to(T0 + timedelta(seconds=offset), tick=False)
        tasks.sweep()

    # then
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.GIVEN_UP
    assert delivery.attempt_log.count() == 5
    assert len(receiver.requests) == 5


def test_a_worker_restart_between_attempts_loses_nothing(
    sam_client, hooked_app, sam, receiver, time_machine, settings
):
    # given: the first attempt fails
    receiver.statuses = [500]
    time_machine.move_to(T0, tick=False)
    delivery = revoke_sams_authorization(sam_client, hooked_app, sam)
    tasks.sweep()
    # ...and the worker holding the retry dies right after claiming it
    time_machine.move_to(T0 + timedelta(minutes=2), tick=False)
    assert WebhookDelivery.claim(delivery.pk) is not None

    # when: a fresh process (the ops command) runs while the claim is live, then after it
    # went stale
    call_command("redeliver_webhooks")
    while_claimed = len(receiver.requests)
    stale = T0 + timedelta(minutes=2, seconds=settings.WEBHOOK_CLAIM_STALE_SECONDS + 1)
    time_machine.move_to(stale, tick=False)
    call_command("redeliver_webhooks")

    # then
    assert while_claimed == 1
    assert len(receiver.requests) == 2
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.SUCCEEDED
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [
        (1, 500),
        (2, 200),
    ]


def test_a_slow_answer_is_a_failed_delivery(sam_client, hooked_app, sam, receiver, settings):
    # given: the receiver answers 200, but too late
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.delay = 1.5
    delivery = revoke_sams_authorization(sam_client, hooked_app, sam)

    # when
    tasks.sweep()

    # then
    delivery.refresh_from_db()
    attempt = delivery.attempt_log.get()
    assert not attempt.succeeded
    assert attempt.latency_ms >= 1000
    assert delivery.state == WebhookDelivery.State.PENDING
    assert delivery.attempts == 1


def test_the_task_delivers_and_a_second_run_sends_nothing(sam_client, hooked_app, sam, receiver):
    # given
    delivery = revoke_sams_authorization(sam_client, hooked_app, sam)

    # when
    tasks.deliver_webhook.apply(args=[delivery.pk])
    tasks.deliver_webhook.apply(args=[delivery.pk])

    # then
    assert len(receiver.requests) == 1


def test_deactivating_the_app_sends_a_deauthorization_per_shop(
    sam_client, hooked_app, sam, receiver
):
    # given
    authorize(sam_client, hooked_app)

    # when
    app_services.deactivate_app(app_id=hooked_app.pk, by=hooked_app.owner)
    tasks.sweep()

    # then
    (request,) = receiver.requests
    payload = json.loads(request["body"])
    assert payload["type"] == 6
    assert payload["data"] == {"message": "The app was deactivated."}
    assert request["signature_ok"]


def test_deactivation_queues_its_deauthorizations_as_soon_as_it_commits(
    sam_client, hooked_app, sam, receiver, django_capture_on_commit_callbacks
):
    # given
    authorize(sam_client, hooked_app)

    # when: no sweep runs; the deactivation's own commit queues the webhook
    with django_capture_on_commit_callbacks(execute=True):
        app_services.deactivate_app(app_id=hooked_app.pk, by=hooked_app.owner)

    # then
    (request,) = receiver.requests
    assert json.loads(request["body"])["type"] == 6
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.SUCCEEDED


def test_upcoming_expiration_is_announced_daily_from_30_days_before(
    sam_client, hooked_app, sam, receiver, time_machine
):
    # given
    time_machine.move_to(T0, tick=False)
    authorize(sam_client, hooked_app)
    expires_at = Authorization.objects.get().expires_at

    # when / then
    time_machine.move_to(expires_at - timedelta(days=30, minutes=1), tick=False)
    assert tasks.notify_expiring() == 0
    time_machine.move_to(expires_at - timedelta(days=30), tick=False)
    assert tasks.notify_expiring() == 1
    assert tasks.notify_expiring() == 0  # once a day
    time_machine.move_to(expires_at - timedelta(days=29), tick=False)
    assert tasks.notify_expiring() == 1
    tasks.sweep()
    payloads = [json.loads(request["body"]) for request in receiver.requests]
    assert [p["type"] for p in payloads] == [7, 7]
    assert payloads[0]["data"]["expiration_time"] == int(expires_at.timestamp())
    assert set(payloads[0]) == {"type", "tts_notification_id", "shop_id", "timestamp", "data"}
    assert all(request["signature_ok"] for request in receiver.requests)
    time_machine.move_to(expires_at, tick=False)
    assert tasks.notify_expiring() == 0  # expired: nothing left to announce


# --- server-side request forgery -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
    ],
)
def test_private_webhook_urls_are_refused_at_save(certified_alice, settings, url):
    # given
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    # when
    with pytest.raises(ValidationError) as refused:
        make_app(certified_alice, webhook_url=url)

    # then
    assert "private, loopback or link-local" in str(refused.value.message_dict["webhook_url"])


def test_private_webhook_urls_are_refused_again_at_delivery(
    sam_client, hooked_app, sam, receiver, settings
):
    # given: accepted once (development), the protection is on at delivery time
    delivery = revoke_sams_authorization(sam_client, hooked_app, sam)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    # when
    tasks.sweep()

    # then
    assert receiver.requests == []
    attempt = delivery.attempt_log.get()
    assert "private, loopback or link-local" in attempt.error
    assert attempt.status_code is None


def test_a_public_https_webhook_url_is_accepted(certified_alice, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    app = make_app(certified_alice, webhook_url="https://93.184.215.14/hook")

    assert app.webhook_url == "https://93.184.215.14/hook"


# --- the developer's pages ----------------------------------------------------------------------


def test_developer_sees_the_delivery_log_and_redelivers(
    sam_client, hooked_app, sam, receiver, client, certified_alice
):
    # given
    receiver.statuses = [500]
    delivery = revoke_sams_authorization(sam_client, hooked_app, sam)
    tasks.sweep()
    client.force_login(certified_alice)

    # when
    log = client.get(reverse("open_api:app-webhooks", args=[hooked_app.pk]))
    redeliver = client.post(
        reverse("open_api:app-webhook-redeliver", args=[hooked_app.pk, delivery.pk])
    )
    tasks.sweep()

    # then
    assert log.status_code == 200
    assert "500" in log.text
    assert " ms" in log.text
    assert "{&quot;received&quot;: false}" in log.text
    assert "Redeliver" in log.text
    assert "Send test event" in log.text
    assert redeliver.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.SUCCEEDED
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2


def test_developer_sends_a_test_event(hooked_app, receiver, client, certified_alice):
    # given
    client.force_login(certified_alice)

    # when
    client.post(reverse("open_api:app-webhook-test", args=[hooked_app.pk]), {"event_type": "7"})
    tasks.sweep()

    # then
    (request,) = receiver.requests
    payload = json.loads(request["body"])
    assert payload["type"] == 7
    assert "expiration_time" in payload["data"]
    assert request["signature_ok"]
    assert WebhookDelivery.objects.get().is_test


def test_another_partners_webhook_log_and_shops_are_404(hooked_app, client, bob):
    # given
    client.force_login(bob)

    # then
    for name in ("app-webhooks", "app-authorizations"):
        assert client.get(reverse(f"open_api:{name}", args=[hooked_app.pk])).status_code == 404
    assert (
        client.post(
            reverse("open_api:app-webhook-test", args=[hooked_app.pk]), {"event_type": "6"}
        ).status_code
        == 404
    )
    assert not WebhookDelivery.objects.exists()


def test_developer_sees_authorized_shops_and_deauthorizes(
    sam_client, hooked_app, client, certified_alice
):
    # given
    authorize(sam_client, hooked_app)
    authorization = Authorization.objects.get()
    client.force_login(certified_alice)

    # when
    page = client.get(reverse("open_api:app-authorizations", args=[hooked_app.pk]))
    response = client.post(
        reverse("open_api:app-deauthorize", args=[hooked_app.pk, authorization.pk]),
        follow=True,
    )

    # then
    assert authorization.shop_name in page.text
    assert authorization.expires_at.strftime("%Y-%m-%d") in page.text
    assert "Deauthorize" in page.text
    assert "is deauthorized" in response.text
    authorization.refresh_from_db()
    assert authorization.ended_by == Authorization.EndedBy.DEVELOPER
    assert WebhookDelivery.objects.get().event_type == 6
