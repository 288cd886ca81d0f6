"""App secrets survive a key change: SECRET_KEY rotated with a fallback, a first
APP_SECRET_ENCRYPTION_KEY set on a running portal, and `rotate_encryption_key` moving every
secret under the new key so the old one can go."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from apps_services.models import App

from .conftest import make_app

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@pytest.fixture
def app(certified_alice):
    return make_app(certified_alice)


def test_secrets_under_a_derived_key_still_decrypt_once_a_key_is_configured(app, settings):
    # given: an app created while APP_SECRET_ENCRYPTION_KEY was unset
    settings.APP_SECRET_ENCRYPTION_KEY = ""
    secret = App.objects.get(pk=app.pk).reveal_secret()

    # when: production sets its own key
    settings.APP_SECRET_ENCRYPTION_KEY = NEW

    # then
    assert App.objects.get(pk=app.pk).reveal_secret() == secret


def test_a_rotated_secret_key_with_its_fallback_keeps_every_app_working(app, settings):
    # given
    settings.APP_SECRET_ENCRYPTION_KEY = ""
    secret = App.objects.get(pk=app.pk).reveal_secret()
    old_secret_key = settings.SECRET_KEY

    # when
    settings.SECRET_KEY = "a-brand-new-secret-key-0123456789-abcdefghijklmnop"
    settings.SECRET_KEY_FALLBACKS = [old_secret_key]

    # then
    assert App.objects.get(pk=app.pk).reveal_secret() == secret


def test_rotate_encryption_key_moves_every_secret_under_the_first_key(
    app, settings, certified_alice
):
    # given: two apps (one mid-rotation, with a previous secret) under the old key
    settings.APP_SECRET_ENCRYPTION_KEY = OLD
    other = make_app(certified_alice, name="Second app")
    other.rotate_secret(by=certified_alice)
    other.save()
    before = {a.pk: a.valid_secrets() for a in App.objects.all()}

    # when: the new key goes first, the old one stays after it, and the command runs
    settings.APP_SECRET_ENCRYPTION_KEY = f"{NEW},{OLD}"
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)

    # then: the old key alone no longer decrypts anything; the new key alone decrypts all
    assert "2 app(s) re-encrypted, 0 could not be decrypted." in out.getvalue()
    settings.APP_SECRET_ENCRYPTION_KEY = NEW
    settings.SECRET_KEY = "another-secret-key-so-no-derived-key-helps-0123456789"
    assert {a.pk: a.valid_secrets() for a in App.objects.all()} == before
    assert len(before[other.pk]) == 2
    old_only = Fernet(OLD)
    for stored in App.objects.values_list("secret_encrypted", flat=True):
        with pytest.raises(Exception):  # noqa: B017, PT011 (InvalidToken)
            old_only.decrypt(stored.encode())


def test_rotate_encryption_key_stops_and_says_so_when_a_key_is_missing(app, settings):
    # given: the app's key is not among the configured ones any more
    settings.APP_SECRET_ENCRYPTION_KEY = OLD
    App.objects.filter(pk=app.pk).update(secret_encrypted=Fernet(OLD).encrypt(b"x").decode())
    settings.APP_SECRET_ENCRYPTION_KEY = NEW
    settings.SECRET_KEY = "another-secret-key-so-no-derived-key-helps-0123456789"
    stored = App.objects.get(pk=app.pk).secret_encrypted

    # when / then
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_encryption_key", stdout=io.StringIO(), stderr=io.StringIO())
    assert App.objects.get(pk=app.pk).secret_encrypted == stored
