import logging
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps_services import crypto, services
from apps_services.models import App, AppEvent, AppType

from .conftest import make_app, make_developer


@pytest.fixture
def app(certified_alice):
    return make_app(certified_alice)


@pytest.fixture
def superuser_client(client, db):
    from tests.conftest import make_user

    client.force_login(make_user(email="ops@example.com", is_staff=True, is_superuser=True))
    return client


def reveal(client, app) -> str:
    response = client.post(reverse("apps_services:app-reveal-secret", args=[app.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return response.text


def test_database_holds_ciphertext_not_the_secret(app):
    # given
    secret = app.reveal_secret()

    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM apps_services_app WHERE id = %s", [app.pk])
        (stored,) = cursor.fetchone()

    # then
    assert secret not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert crypto.decrypt(stored) == secret


def test_encryption_key_comes_from_the_setting(app, settings):
    # given
    secret = app.reveal_secret()
    from cryptography.fernet import Fernet

    new_key = Fernet.generate_key().decode()
    old_key = crypto.derive_key(settings.SECRET_KEY).decode()

    # when: a new key first, the old one kept for decryption
    settings.APP_SECRET_ENCRYPTION_KEY = f"{new_key},{old_key}"

    # then
    assert App.objects.get(pk=app.pk).reveal_secret() == secret
    assert Fernet(new_key.encode()).decrypt(crypto.encrypt("x").encode()) == b"x"


def test_owner_reveal_shows_the_secret_once_and_is_audited(app, alice_client):
    # given
    secret = app.reveal_secret()

    # when
    text = reveal(alice_client, app)
    detail = alice_client.get(app.get_absolute_url())

    # then
    assert secret in text
    assert secret not in detail.text
    event = app.events.get(kind=AppEvent.Kind.SECRET_REVEALED)
    assert event.by == app.owner
    assert event.ip == "127.0.0.1"
    assert event.at is not None


def test_secret_appears_in_no_page_but_the_reveal(app, alice_client, superuser_client):
    # given
    secret = app.reveal_secret()
    alice_pages = [
        reverse("apps_services:app-list"),
        app.get_absolute_url(),
        reverse("apps_services:app-edit", args=[app.pk]),
        reverse("apps_services:app-deactivate", args=[app.pk]),
        reverse("apps_services:app-create"),
    ]
    admin_pages = [
        reverse("admin:apps_services_app_changelist"),
        reverse("admin:apps_services_app_change", args=[app.pk]),
        reverse("admin:apps_services_appevent_changelist"),
    ]

    # when
    texts = [alice_client.get(url).text for url in alice_pages]
    texts += [superuser_client.get(url).text for url in admin_pages]
    published = alice_client.post(
        reverse("apps_services:app-publish", args=[app.pk]), follow=True
    ).text
    rotated = alice_client.post(
        reverse("apps_services:app-rotate-secret", args=[app.pk]), follow=True
    ).text

    # then
    for text in [*texts, published, rotated]:
        assert secret not in text
        assert app.secret_encrypted not in text


def test_secret_never_reaches_the_logs(alice, alice_client, caplog):
    # given
    make_developer(alice)
    caplog.set_level(logging.DEBUG)

    # when
    app = make_app(alice)
    first = app.reveal_secret()
    reveal(alice_client, app)
    alice_client.post(reverse("apps_services:app-rotate-secret", args=[app.pk]))
    second = App.objects.get(pk=app.pk).reveal_secret()
    reveal(alice_client, app)

    # then
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert first not in logged
    assert second not in logged


def test_rotation_keeps_both_secrets_valid_until_the_grace_period_ends(app, alice_client):
    # given
    old = app.reveal_secret()

    # when
    with time_machine.travel(timezone.now(), tick=False) as clock:
        alice_client.post(reverse("apps_services:app-rotate-secret", args=[app.pk]))
        app = App.objects.get(pk=app.pk)
        new = app.reveal_secret()

        # then: both verify during the grace period
        assert new != old
        assert app.secret_matches(old)
        assert app.secret_matches(new)
        assert app.valid_secrets() == [new, old]
        clock.shift(timedelta(hours=23, minutes=59))
        assert app.secret_matches(old)

        # then: only the new one afterwards
        clock.shift(timedelta(minutes=2))
        assert not app.secret_matches(old)
        assert app.secret_matches(new)
        assert app.valid_secrets() == [new]
    assert not app.secret_matches("")
    assert not app.secret_matches(new[:-1])
    event = app.events.get(kind=AppEvent.Kind.SECRET_ROTATED)
    assert event.by == app.owner


def test_grace_period_is_a_setting(app, settings):
    settings.APP_SECRET_ROTATION_GRACE_HOURS = 1
    old = app.reveal_secret()

    with time_machine.travel(timezone.now(), tick=False) as clock:
        app = services.rotate_app_secret(app_id=app.pk, by=app.owner)
        clock.shift(timedelta(minutes=61))
        assert not app.secret_matches(old)


def test_other_partner_cannot_reveal_or_rotate(app, bob, client):
    # given
    client.force_login(bob)
    before = app.secret_encrypted

    # when
    revealed = client.post(reverse("apps_services:app-reveal-secret", args=[app.pk]))
    rotated = client.post(reverse("apps_services:app-rotate-secret", args=[app.pk]))

    # then
    assert revealed.status_code == rotated.status_code == 404
    assert App.objects.get(pk=app.pk).secret_encrypted == before
    assert not AppEvent.objects.filter(kind=AppEvent.Kind.SECRET_REVEALED).exists()


def test_public_apps_get_secrets_too(certified_alice):
    app = make_app(certified_alice, app_type=AppType.PUBLIC)

    assert len(app.reveal_secret()) == 40
