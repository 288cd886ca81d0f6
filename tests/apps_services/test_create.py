import io
import re
import urllib.request

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import AccountBlacklisted
from apps_services import services
from apps_services.models import App, AppEvent, AppState, AppType, callback_url_error
from categories.models import Market, ServiceCategory

from .conftest import ISV_CATEGORY, SELLER_CATEGORY, make_app, make_developer


def form_data(**overrides):
    data = {
        "app_type": "custom",
        "category": ServiceCategory.objects.get(code=ISV_CATEGORY).pk,
        "name": "Order Sync",
        "market": Market.objects.get(code="UK").pk,
        "seller_type": "local",
        "api_enabled": "on",
        "redirect_url": "https://example.com/callback",
        "webhook_url": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_partner_without_developer_application_is_told_to_apply_first(alice_client):
    # when
    page = alice_client.get(reverse("apps_services:app-create"))
    refused = alice_client.post(reverse("apps_services:app-create"), form_data())

    # then
    assert page.status_code == 200
    assert "Apply to become a developer first" in page.text
    assert reverse("onboarding:get-started") in page.text
    assert refused.status_code == 200
    assert not App.objects.exists()


def test_service_refuses_a_partner_without_developer_application(alice):
    with pytest.raises(services.NotADeveloper):
        make_app(alice)


def test_draft_developer_creates_a_custom_app_with_credentials(alice, alice_client):
    # given: saved for later, not submitted (SPEC §3.6)
    make_developer(alice, state="draft")

    # when
    response = alice_client.post(reverse("apps_services:app-create"), form_data())

    # then
    app = App.objects.get()
    assert response.status_code == 302
    assert response["Location"] == app.get_absolute_url()
    assert app.owner == alice
    assert app.state == AppState.DRAFT
    assert re.fullmatch(r"[a-z0-9]{14,16}", app.app_key)
    assert re.fullmatch(r"[1-9][0-9]{18}", app.service_id)
    assert re.fullmatch(r"[0-9a-f]{40}", app.reveal_secret())
    assert list(app.events.values_list("kind", "by")) == [(AppEvent.Kind.CREATED, alice.pk)]
    detail = alice_client.get(app.get_absolute_url())
    assert app.app_key in detail.text


def test_every_app_gets_its_own_key_secret_and_service_id(alice):
    # given
    make_developer(alice)

    # when
    apps = [make_app(alice, name=f"App {i}") for i in range(5)]

    # then
    assert len({a.app_key for a in apps}) == 5
    assert len({a.service_id for a in apps}) == 5
    assert len({a.reveal_secret() for a in apps}) == 5


def test_seller_inhouse_developer_cannot_create_a_public_app(alice):
    # given
    make_developer(alice, kind="seller")

    # when
    with pytest.raises(ValidationError) as exc:
        make_app(alice, app_type=AppType.PUBLIC, category=SELLER_CATEGORY)

    # then
    assert "app_type" in exc.value.message_dict
    assert not App.objects.exists()
    assert make_app(alice, category=SELLER_CATEGORY).app_type == AppType.CUSTOM


def test_seller_inhouse_developer_is_not_offered_public_apps(alice, alice_client):
    # given
    make_developer(alice, kind="seller")

    # when
    page = alice_client.get(reverse("apps_services:app-create"))
    posted = alice_client.post(
        reverse("apps_services:app-create"),
        form_data(app_type="public", category=ServiceCategory.objects.get(code=SELLER_CATEGORY).pk),
    )

    # then
    assert 'value="public"' not in page.text
    assert posted.status_code == 200
    assert not App.objects.exists()


def test_isv_creates_a_public_app(alice):
    make_developer(alice)

    app = make_app(alice, app_type=AppType.PUBLIC)

    assert app.app_type == AppType.PUBLIC


def test_app_must_be_in_a_category_the_partner_applied_for(alice):
    # given: an ISV who never applied as a seller developer
    make_developer(alice)

    # when / then
    with pytest.raises(ValidationError) as exc:
        make_app(alice, category=SELLER_CATEGORY)
    assert "category" in exc.value.message_dict


def test_blacklisted_developer_cannot_create_an_app(alice):
    # given
    make_developer(alice)
    alice.blacklist(by=None, reason="security review failed three times")

    # when / then
    with pytest.raises(AccountBlacklisted):
        make_app(alice)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.com/callback", True),
        ("https://example.com:8443/cb?x=1", True),
        ("http://example.com/callback", False),
        ("http://localhost:8000/callback", "dev"),
        ("http://127.0.0.1/callback", "dev"),
        ("ftp://example.com/callback", False),
        ("https://user:pass@example.com/callback", False),
        ("https://example.com/callback#frag", False),
        ("javascript:alert(1)", False),
        ("https://", False),
    ],
)
def test_callback_url_rules(url, allowed):
    # then: https always; http only for localhost, and only when allowed
    assert (callback_url_error(url, allow_local_http=True) is None) == bool(allowed)
    assert (callback_url_error(url, allow_local_http=False) is None) == (allowed is True)


def test_redirect_url_is_required_when_the_api_is_on(alice):
    make_developer(alice)

    with pytest.raises(ValidationError) as exc:
        make_app(alice, api_enabled=True, redirect_url="")

    assert "redirect_url" in exc.value.message_dict


def test_api_off_needs_no_redirect_url_and_keeps_none(alice):
    make_developer(alice)

    app = make_app(alice, api_enabled=False, redirect_url="https://ignored.example/cb")

    assert app.redirect_url == ""


def test_http_localhost_redirect_follows_debug_and_the_setting(alice, settings):
    # given
    make_developer(alice)
    settings.DEBUG = False
    settings.ALLOW_HTTP_LOCALHOST_REDIRECTS = False

    # when / then
    with pytest.raises(ValidationError) as exc:
        make_app(alice, redirect_url="http://localhost:8000/cb")
    assert "redirect_url" in exc.value.message_dict
    settings.ALLOW_HTTP_LOCALHOST_REDIRECTS = True
    assert make_app(alice, redirect_url="http://localhost:8000/cb").redirect_url
    settings.ALLOW_HTTP_LOCALHOST_REDIRECTS = False
    settings.DEBUG = True
    assert make_app(alice, redirect_url="http://127.0.0.1:8000/cb").redirect_url


def test_webhook_url_must_be_https(alice, alice_client, settings):
    # given
    settings.DEBUG = False
    make_developer(alice)

    # when
    response = alice_client.post(
        reverse("apps_services:app-create"), form_data(webhook_url="http://hooks.example/in")
    )

    # then
    assert response.status_code == 200
    assert "must use https" in response.text
    assert not App.objects.exists()


def test_logo_is_checked_by_the_onboarding_image_validator(alice, alice_client):
    # given
    make_developer(alice)
    fake = SimpleUploadedFile("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>")

    # when
    refused = alice_client.post(reverse("apps_services:app-create"), form_data(logo=fake))
    accepted = alice_client.post(
        reverse("apps_services:app-create"),
        form_data(logo=SimpleUploadedFile("logo.png", png(), "image/png")),
    )

    # then
    assert refused.status_code == 200
    assert "not a JPEG, PNG or WebP image" in refused.text
    app = App.objects.get()
    assert accepted.status_code == 302
    logo = alice_client.get(reverse("apps_services:app-logo", args=[app.pk]))
    assert logo.status_code == 200
    assert Image.open(io.BytesIO(b"".join(logo.streaming_content))).format == "PNG"


def test_on_object_storage_the_logo_is_a_redirect_to_a_signed_url(alice, alice_client, s3_storage):
    # given: a logo uploaded with the app, into the bucket
    make_developer(alice)
    alice_client.post(
        reverse("apps_services:app-create"),
        form_data(logo=SimpleUploadedFile("logo.png", png(), "image/png")),
    )
    app = App.objects.get()
    key = f"portal/documents/{app.logo.name}"
    assert s3_storage.client.head_object(Bucket=s3_storage.name, Key=key)["ContentLength"] > 0

    # when
    response = alice_client.get(reverse("apps_services:app-logo", args=[app.pk]))

    # then: the owner is sent to a signed URL that serves the PNG
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    assert "X-Amz-Signature=" in response["Location"]
    with urllib.request.urlopen(response["Location"], timeout=10) as signed:  # noqa: S310
        assert Image.open(io.BytesIO(signed.read())).format == "PNG"
