"""The shell's partner roles from the shared cache: dropped when one of the partner's
applications changes or the catalog does (once that commits), never served stale."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from categories.models import PartnerRole
from onboarding import roles_cache
from onboarding.services import decide_application, submit_application

from .conftest import complete_entity, make_application

ROLE_TABLE = '"categories_partnerrole"'


@pytest.fixture
def cached(settings, alice):
    settings.PARTNER_ROLES_CACHE_SECONDS = 60
    cache.delete_many([roles_cache.CATALOG_KEY, roles_cache._user_key(alice.pk)])
    yield
    cache.delete_many([roles_cache.CATALOG_KEY, roles_cache._user_key(alice.pk)])


def menu_heading(client) -> str:
    page = client.get("/").content.decode()
    if '<li class="menu-heading">' not in page:
        return ""
    return page.split('<li class="menu-heading">', 1)[1].split("<", 1)[0]


def role_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    return sum(ROLE_TABLE in q["sql"] for q in captured.captured_queries)


def test_the_shell_reads_the_roles_from_the_cache_once_they_are_there(
    cached, alice, alice_client, rita, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        make_application(alice, state="approved", reviewer=rita)
    alice_client.get("/")

    # when
    queries = role_queries(alice_client)

    # then
    assert queries == 0
    assert menu_heading(alice_client) == "Seller Service Partner"


def test_an_approval_shows_in_the_shell_on_the_next_page(
    cached, alice, alice_client, rita, django_capture_on_commit_callbacks
):
    # given: pending, the partner holds no role yet, and the cache knows it
    with django_capture_on_commit_callbacks(execute=True):
        application = make_application(alice, state="pending_review")
    assert menu_heading(alice_client) == ""

    # when
    with django_capture_on_commit_callbacks(execute=True):
        decide_application(application_id=application.pk, by=rita, approve=True, reason="")

    # then
    assert menu_heading(alice_client) == "Seller Service Partner"


def test_an_entry_cached_before_the_commit_is_dropped_by_the_commit(
    cached, alice, rita, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        application = make_application(alice, state="draft")
        complete_entity(alice)
        submit_application(application_id=application.pk, by=alice)
    assert [r.held for r in roles_cache.shell_roles(alice)] == [0]

    stale = cache.get(roles_cache._user_key(alice.pk))

    # when: approved, not committed yet; another page, which cannot see the approval yet,
    # caches the roles it saw
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decide_application(application_id=application.pk, by=rita, approve=True, reason="")
        assert cache.get(roles_cache._user_key(alice.pk)) is None  # dropped at once
    cache.set(roles_cache._user_key(alice.pk), stale, 60)

    # then: served stale until the commit, which drops it
    assert [r.held for r in roles_cache.shell_roles(alice)] == [0]
    for callback in callbacks:
        callback()
    assert [r.held for r in roles_cache.shell_roles(alice)] == [1]


def test_a_catalog_edit_shows_on_the_next_page(
    cached, alice, alice_client, rita, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        make_application(alice, state="approved", reviewer=rita)
    assert menu_heading(alice_client) == "Seller Service Partner"

    # when
    role = PartnerRole.objects.get(name="Seller Service Partner")
    role.name = "Seller Services"
    with django_capture_on_commit_callbacks(execute=True):
        role.save()

    # then
    assert menu_heading(alice_client) == "Seller Services"


def test_a_lost_catalog_token_trusts_no_older_entry(
    cached, alice, alice_client, rita, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        make_application(alice, state="approved", reviewer=rita)
    alice_client.get("/")

    # when: the token is evicted (the entry is not)
    cache.delete(roles_cache.CATALOG_KEY)

    # then
    assert role_queries(alice_client) == 1


def test_without_a_shared_cache_every_page_asks_the_database(settings, alice, alice_client, rita):
    # given
    settings.PARTNER_ROLES_CACHE_SECONDS = 0
    make_application(alice, state="approved", reviewer=rita)
    alice_client.get("/")

    # when / then
    assert role_queries(alice_client) == 1
    assert cache.get(roles_cache._user_key(alice.pk)) is None
