"""A double click on Submit (or Submit in two tabs): one request submits, the other is told
so and changes nothing; never a server error, never two submissions."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client

from onboarding import services
from onboarding.models import Application
from tests.conftest import requires_postgres

from .conftest import complete_entity, make_application
from .test_partner_pages import category_post, entity_post


def test_the_second_submit_of_a_double_click_gets_a_message_not_an_error(
    alice_client, alice, monkeypatch
):
    # given: this request read the draft; the first click's request submits it meanwhile
    application = make_application(alice)
    complete_entity(alice)
    save_applications = services.save_applications

    def first_click_wins_meanwhile(**kwargs):
        services.submit_application(application_id=application.pk, by=alice)
        return save_applications(**kwargs)

    monkeypatch.setattr(services, "save_applications", first_click_wins_meanwhile)

    # when
    response = alice_client.post(
        f"/onboarding/batches/{application.batch}/",
        {
            "action": "submit",
            **entity_post(legal_name="Second Click Ltd"),
            **category_post(application),
        },
    )

    # then
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "These applications were submitted already."
    ]
    application.refresh_from_db()
    assert application.state == "pending_review"
    assert application.transitions.filter(name="submit").count() == 1
    assert application.user.company_entity.legal_name != "Second Click Ltd"  # rolled back


@requires_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_submit_once(alice):
    # given
    application = make_application(alice)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def click():
        client = Client()
        client.force_login(alice)
        data = {"action": "submit", **entity_post(), **category_post(application)}
        try:
            barrier.wait(timeout=10)
            statuses.append(
                client.post(f"/onboarding/batches/{application.batch}/", data).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert statuses == [302, 302]
    application = Application.objects.get(pk=application.pk)
    assert application.state == "pending_review"
    assert application.transitions.filter(name="submit").count() == 1
