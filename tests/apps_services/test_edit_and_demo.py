import json
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from apps_services.models import App, AppEvent, AppState
from demo.seed.apps_services import DEVELOPER, REDIRECT_URL

from .conftest import make_app


def test_owner_edits_an_app_and_the_edit_is_audited(certified_alice, alice_client):
    # given
    app = make_app(certified_alice)

    # when
    response = alice_client.post(
        reverse("apps_services:app-edit", args=[app.pk]),
        {
            "name": "Order Sync Pro",
            "seller_type": "cross_border",
            "api_enabled": "on",
            "redirect_url": "https://example.com/new-callback",
            "webhook_url": "https://example.com/hooks",
        },
    )

    # then
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.name == "Order Sync Pro"
    assert app.webhook_url == "https://example.com/hooks"
    event = app.events.get(kind=AppEvent.Kind.EDITED)
    assert event.by == certified_alice
    assert "name" in event.note


def test_edit_applies_the_redirect_url_rules(certified_alice, alice_client, settings):
    # given
    settings.DEBUG = False
    app = make_app(certified_alice)

    # when
    response = alice_client.post(
        reverse("apps_services:app-edit", args=[app.pk]),
        {"name": "X", "seller_type": "local", "api_enabled": "on", "redirect_url": "http://x.io/"},
    )

    # then
    assert response.status_code == 200
    assert App.objects.get(pk=app.pk).redirect_url == "https://example.com/callback"


def test_seed_demo_gives_a_developer_a_published_custom_app_idempotently(db):
    # when
    first, second = StringIO(), StringIO()
    call_command("seed_demo", "--json", "--base-url", "http://demo.test", stdout=first)
    call_command("seed_demo", "--json", "--base-url", "http://demo.test", stdout=second)

    # then
    result = json.loads(first.getvalue())
    again = json.loads(second.getvalue())
    app = App.objects.get(owner__email=DEVELOPER["email"])
    assert App.objects.count() == 1
    assert app.state == AppState.PUBLISHED
    assert app.api_enabled
    assert result["app"] == again["app"]
    assert result["app"] == {
        "app_key": app.app_key,
        "app_secret": app.reveal_secret(),
        "service_id": app.service_id,
        "authorization_url": f"http://demo.test/open/authorize?service_id={app.service_id}",
        "redirect_url": REDIRECT_URL,
    }
    assert result["developer"]["email"] == DEVELOPER["email"]
