"""The dashboard's reminder to verify the login address, remembered in the session once
the address is verified so the dashboard does not ask the database on every visit."""

from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_user

REMINDER = "Verify your email address before you submit anything"


def email_queries(client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/").content.decode()
    return page, [q["sql"] for q in captured.captured_queries if "account_emailaddress" in q["sql"]]


def test_an_unverified_address_is_reminded_on_every_visit(client, db):
    # given
    user = make_user(email="new@example.com", verified=False)
    client.force_login(user)
    client.get("/")

    # when
    page, queries = email_queries(client)

    # then: asked again each time, so it goes away as soon as the address is verified
    assert REMINDER in page
    assert len(queries) == 1
    EmailAddress.objects.filter(user=user).update(verified=True)
    assert REMINDER not in client.get("/").content.decode()


def test_a_verified_address_is_asked_about_once_per_session(alice_client):
    # given
    alice_client.get("/")

    # when
    page, queries = email_queries(alice_client)

    # then
    assert REMINDER not in page
    assert queries == []


def test_a_new_login_address_is_asked_about_again(alice_client, alice):
    # given: the verified address is remembered
    alice_client.get("/")

    # when: the login address changes to one not verified yet
    alice.change_email("alice.new@example.com")

    # then
    page, queries = email_queries(alice_client)
    assert REMINDER in page
    assert len(queries) == 1
