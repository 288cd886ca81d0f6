"""Broker down: a reviewer's decision commits at once, its email waits in the outbox, and the
sweep sends it, once, when the broker is back.

Seen before: each queued task held its request ≈19 s (publish and result-backend retries);
bulk-approving 3 applications under gunicorn hit the 30 s worker timeout.
"""

import time

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from notifications import tasks
from notifications.models import Notification
from onboarding.models import Application
from partner_center.celery import broker_outage
from tests.conftest import make_user
from tests.onboarding.conftest import make_application

from .conftest import BUDGET_SECONDS, celery_broker

CHANGELIST = reverse("admin:onboarding_application_changelist")


@pytest.fixture
def rita_client(client, rita):
    client.force_login(rita)
    return client


def broker_back() -> None:
    """The broker answers again (tasks run in-process here) and the outage interval is over."""
    broker_outage().reset()


def deliveries(callbacks) -> list:
    """The on-commit callbacks that queue an email (others drop cached counts, say)."""
    return [
        c for c in callbacks if getattr(getattr(c, "func", c), "__name__", "") == "queue_delivery"
    ]


@pytest.fixture(params=["refused", "hung"])
def broker_fault(request):
    """The two ways a broker is down: nothing listens, or it accepts and never answers."""
    request.getfixturevalue("broker_down" if request.param == "refused" else "broker_hung")
    return request.param


def test_approve_answers_within_budget_and_the_sweep_delivers_once(
    alice, rita_client, broker_fault, django_capture_on_commit_callbacks
):
    # given
    application = make_application(alice, state="pending_review")
    url = reverse("admin:onboarding_application_approve", args=[application.pk])

    # when: the request and its on-commit work (queueing the email)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = rita_client.post(url)
    elapsed = time.monotonic() - started

    # then: decided at once, the email waits in the outbox
    assert response.status_code == 302
    assert len(deliveries(queued)) == 1
    assert elapsed < BUDGET_SECONDS
    application.refresh_from_db()
    assert application.state == "approved"
    notification = Notification.objects.get(user=alice)
    assert notification.email_sent_at is None
    assert mail.outbox == []

    # when: the broker is back; beat's sweep runs, twice
    broker_back()
    with celery_broker(None, eager=True):
        tasks.sweep_notifications.delay()
        tasks.sweep_notifications.delay()

    # then: exactly one email for the one decision
    assert [m.to for m in mail.outbox] == [[alice.email]]
    notification.refresh_from_db()
    assert notification.email_sent_at is not None


def test_bulk_approve_decides_each_row_and_names_them(
    rita_client, broker_hung, django_capture_on_commit_callbacks
):
    # given
    partners = [make_user(email=f"p{i}@example.com") for i in range(3)]
    applications = [make_application(p, state="pending_review") for p in partners]
    decided_elsewhere = applications[1]
    decided_elsewhere.refresh_from_db()
    pks = [a.pk for a in applications]
    Application.objects.filter(pk=decided_elsewhere.pk).update(state="approved")

    # when
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = rita_client.post(
            CHANGELIST, {"action": "approve_selected", ACTION_CHECKBOX_NAME: pks}
        )
    elapsed = time.monotonic() - started

    # then: every row decided on its own, and the reviewer is told which
    assert response.status_code == 302
    assert len(deliveries(queued)) == 2
    assert elapsed < BUDGET_SECONDS
    states = dict(Application.objects.filter(pk__in=pks).values_list("pk", "state"))
    assert states == dict.fromkeys(pks, "approved")
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts[0] == f"2 applications decided: #{pks[0]}, #{pks[2]}."
    assert texts[1].startswith(f"1 application not decided: #{pks[1]}: ")

    # when: the broker is back
    broker_back()
    with celery_broker(None, eager=True):
        tasks.sweep_notifications.delay()

    # then: one email per decision
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@example.com", "p2@example.com"]
