import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse

from apps_services import urls as app_urls
from apps_services.models import App, AppEvent
from open_api import urls as open_api_urls

from .conftest import make_app, make_developer

URL_MODULES = (app_urls, open_api_urls)  # the app's pages, and its Open API pages


def app_url_names() -> list[str]:
    """Every URL that takes an app id (namespaced), so a new one is covered by default."""
    return [
        f"{module.app_name}:{p.name}"
        for module in URL_MODULES
        for p in module.urlpatterns
        if isinstance(p, URLPattern) and "pk" in p.pattern.converters
    ]


def app_url(name: str, app: App) -> str:
    """The URL of `name` for `app`; any other id in it (an authorization, a delivery) is 1."""
    namespace, short_name = name.split(":")
    (module,) = (m for m in URL_MODULES if m.app_name == namespace)
    (pattern,) = (p for p in module.urlpatterns if getattr(p, "name", None) == short_name)
    kwargs = {key: app.pk if key == "pk" else 1 for key in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)


def test_the_walk_finds_the_app_urls():
    names = set(app_url_names())
    assert {
        "apps_services:app-detail",
        "apps_services:app-edit",
        "apps_services:app-publish",
        "apps_services:app-deactivate",
    } <= names
    assert {
        "apps_services:app-reveal-secret",
        "apps_services:app-rotate-secret",
        "apps_services:app-logo",
    } <= names
    assert {"open_api:app-authorizations", "open_api:app-webhooks"} <= names


@pytest.mark.parametrize("name", app_url_names())
def test_every_app_url_is_a_404_for_another_partner(name, certified_alice, bob, client):
    # given
    app = make_app(certified_alice)
    make_developer(bob)
    client.force_login(bob)
    url = app_url(name, app)
    events_before = AppEvent.objects.count()

    # when: with the method the view accepts
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {"confirm": "on", "name": "Taken over"})

    # then
    assert response.status_code == 404
    fresh = App.objects.get(pk=app.pk)
    assert (fresh.state, fresh.name, fresh.secret_encrypted) == (
        app.state,
        app.name,
        app.secret_encrypted,
    )
    assert AppEvent.objects.count() == events_before


@pytest.mark.parametrize("name", app_url_names())
def test_every_app_url_asks_anonymous_visitors_to_log_in(name, certified_alice, client):
    app = make_app(certified_alice)
    url = app_url(name, app)

    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_list_shows_only_the_partners_own_apps(certified_alice, bob, client):
    # given
    make_developer(bob)
    make_app(certified_alice, name="Alice's app")
    make_app(bob, name="Bob's app")
    client.force_login(bob)

    # when
    page = client.get(reverse("apps_services:app-list"))

    # then
    assert "Bob&#x27;s app" in page.text
    assert "Alice" not in page.text


@pytest.mark.parametrize("count", [2, 20])
def test_list_page_query_count_does_not_grow_with_apps(
    count, certified_alice, alice_client, django_assert_max_num_queries
):
    # given
    for i in range(count):
        make_app(certified_alice, name=f"App {i}")

    # when / then
    with django_assert_max_num_queries(12):
        page = alice_client.get(reverse("apps_services:app-list"))
    assert page.text.count("<tr>") == count + 1


def test_list_page_queries_are_the_same_for_2_and_20_apps(
    certified_alice, alice_client, django_assert_num_queries
):
    # given
    for i in range(2):
        make_app(certified_alice, name=f"App {i}")
    # With Redis the shell's roles and badge come from the cache after the first page: compare
    # two warm pages.
    alice_client.get(reverse("apps_services:app-list"))
    with CaptureQueriesContext(connection) as two:
        alice_client.get(reverse("apps_services:app-list"))
    for i in range(2, 20):
        make_app(certified_alice, name=f"App {i}")

    # when / then
    with django_assert_num_queries(len(two.captured_queries)):
        alice_client.get(reverse("apps_services:app-list"))
