import threading

import pytest
from django.db import connection
from django.urls import reverse

from apps_services import services
from apps_services.models import App, AppCannotBeDeleted, AppDeactivated, AppEvent, AppState
from tests.conftest import make_user, requires_postgres

from .conftest import make_app


@pytest.fixture
def deactivated_app(certified_alice):
    app = make_app(certified_alice)
    services.publish_app(app_id=app.pk, by=certified_alice)
    return services.deactivate_app(app_id=app.pk, by=certified_alice)


@pytest.fixture
def superuser_client(client, db):
    client.force_login(make_user(email="ops@example.com", is_staff=True, is_superuser=True))
    return client


def test_confirmation_page_says_exactly_what_will_happen(certified_alice, alice_client):
    # given
    app = make_app(certified_alice)

    # when
    page = alice_client.get(reverse("apps_services:app-deactivate", args=[app.pk]))
    unconfirmed = alice_client.post(reverse("apps_services:app-deactivate", args=[app.pk]))

    # then
    assert "revokes every access token and refresh token" in page.text
    assert "ends every seller authorization" in page.text
    assert "can never be online again" in page.text
    assert unconfirmed.status_code == 200
    assert App.objects.get(pk=app.pk).state == AppState.DRAFT


def test_deactivation_is_audited_and_ends_authorizations(
    certified_alice, alice_client, monkeypatch
):
    # given
    app = make_app(certified_alice)
    services.publish_app(app_id=app.pk, by=certified_alice)
    ended = []
    monkeypatch.setattr(App, "_end_authorizations", lambda self: ended.append(self.pk) or [])

    # when
    alice_client.post(reverse("apps_services:app-deactivate", args=[app.pk]), {"confirm": "on"})

    # then
    app.refresh_from_db()
    assert app.state == AppState.DEACTIVATED
    assert ended == [app.pk]
    event = app.events.get(kind=AppEvent.Kind.DEACTIVATED)
    assert (event.by, event.source, event.target) == (
        certified_alice,
        AppState.PUBLISHED,
        AppState.DEACTIVATED,
    )


def test_deactivated_app_cannot_be_published(deactivated_app, alice_client):
    # when
    alice_client.post(reverse("apps_services:app-publish", args=[deactivated_app.pk]))

    # then
    with pytest.raises(services.AppActionRefused):
        services.publish_app(app_id=deactivated_app.pk, by=deactivated_app.owner)
    assert App.objects.get(pk=deactivated_app.pk).state == AppState.DEACTIVATED


def test_deactivated_app_cannot_be_edited_from_views(deactivated_app, alice_client):
    # when
    page = alice_client.get(reverse("apps_services:app-edit", args=[deactivated_app.pk]))
    alice_client.post(
        reverse("apps_services:app-edit", args=[deactivated_app.pk]),
        {"name": "Back to life", "seller_type": "local"},
    )
    alice_client.post(reverse("apps_services:app-rotate-secret", args=[deactivated_app.pk]))

    # then
    assert page.status_code == 302
    fresh = App.objects.get(pk=deactivated_app.pk)
    assert fresh.name == deactivated_app.name
    assert fresh.secret_encrypted == deactivated_app.secret_encrypted


def test_deactivated_app_cannot_be_edited_or_revived_from_the_shell(deactivated_app):
    # given: a copy loaded before deactivation, and a fresh one
    fresh = App.objects.get(pk=deactivated_app.pk)

    # when / then
    fresh.name = "Back to life"
    with pytest.raises(AppDeactivated):
        fresh.save()
    with pytest.raises(AppDeactivated):
        services.update_app(app_id=fresh.pk, by=fresh.owner, changes={"name": "Again"})
    with pytest.raises(AppDeactivated):
        fresh.rotate_secret(by=fresh.owner)
    App.objects.filter(pk=fresh.pk).update(name="Bulk")
    assert App.objects.get(pk=fresh.pk).name == deactivated_app.name


def test_a_copy_loaded_before_deactivation_cannot_bring_the_app_back(certified_alice):
    # given
    app = make_app(certified_alice)
    stale = App.objects.get(pk=app.pk)
    services.deactivate_app(app_id=app.pk, by=certified_alice)

    # when / then
    stale.name = "Still alive"
    with pytest.raises(AppDeactivated):
        stale.save()


def test_apps_are_never_deleted_from_the_shell(deactivated_app, certified_alice):
    live = make_app(certified_alice, name="Live one")

    with pytest.raises(AppCannotBeDeleted):
        live.delete()
    with pytest.raises(AppCannotBeDeleted):
        deactivated_app.delete()
    with pytest.raises(AppCannotBeDeleted):
        App.objects.all().delete()
    assert App.objects.count() == 2


def test_apps_are_never_deleted_from_admin(deactivated_app, superuser_client):
    # when
    changelist = superuser_client.get(reverse("admin:apps_services_app_changelist"))
    delete_page = superuser_client.get(
        reverse("admin:apps_services_app_delete", args=[deactivated_app.pk])
    )
    bulk = superuser_client.post(
        reverse("admin:apps_services_app_changelist"),
        {"action": "delete_selected", "_selected_action": [deactivated_app.pk], "post": "yes"},
    )

    # then
    assert "delete_selected" not in changelist.text
    assert delete_page.status_code == 403
    assert bulk.status_code in (200, 302)
    assert App.objects.filter(pk=deactivated_app.pk).exists()


def test_no_view_deletes_an_app(deactivated_app, alice_client):
    # then: no URL of the app offers deletion, and DELETE is not a method any view accepts
    for name in ("app-detail", "app-edit", "app-deactivate"):
        url = reverse(f"apps_services:{name}", args=[deactivated_app.pk])
        assert alice_client.delete(url).status_code == 405
    assert App.objects.filter(pk=deactivated_app.pk).exists()


def test_deactivated_app_in_admin_is_read_only(deactivated_app, superuser_client):
    # when
    response = superuser_client.post(
        reverse("admin:apps_services_app_change", args=[deactivated_app.pk]),
        {"name": "Revived"},
    )

    # then
    assert response.status_code == 403
    assert App.objects.get(pk=deactivated_app.pk).name == deactivated_app.name


@requires_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_publish_racing_deactivate_never_leaves_the_app_online(certified_alice):
    # given
    app = make_app(certified_alice)
    barrier = threading.Barrier(2)
    outcomes = {}

    def run(name, action):
        try:
            barrier.wait(timeout=10)
            action(app_id=app.pk, by=certified_alice)
            outcomes[name] = "done"
        except services.AppActionRefused as exc:
            outcomes[name] = str(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("publish", services.publish_app)),
        threading.Thread(target=run, args=("deactivate", services.deactivate_app)),
    ]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then: whichever ran first, the app ends deactivated, once
    assert outcomes["deactivate"] == "done"
    fresh = App.objects.get(pk=app.pk)
    assert fresh.state == AppState.DEACTIVATED
    assert fresh.events.filter(kind=AppEvent.Kind.DEACTIVATED).count() == 1
