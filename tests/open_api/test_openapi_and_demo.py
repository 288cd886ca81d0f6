"""SPEC §4.8 and §7: the OpenAPI document, linked from the developer pages, and seed_demo."""

import json
from io import StringIO

from django.core.management import call_command
from django.urls import reverse


def test_the_openapi_document_describes_every_endpoint(client, db):
    # when
    response = client.get("/open/openapi.json")

    # then
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v2/token/get",
        "/api/v2/token/refresh",
        "/authorization/202309/shops",
        "/authorization/202403/shops",
    }
    assert "delete" in document["paths"]["/authorization/202403/shops"]
    token_fields = document["components"]["schemas"]["TokenResponse"]["properties"]["data"]
    assert "refresh_token_expire_in" in token_fields["properties"]
    assert set(document["webhooks"]) == {
        "sellerDeauthorization",
        "upcomingAuthorizationExpiration",
        "authorizationGranted",
    }
    assert "36004007" in document["info"]["description"]


def test_the_developer_pages_link_the_reference(alice_app, client, certified_alice):
    client.force_login(certified_alice)

    page = client.get(reverse("apps_services:app-detail", args=[alice_app.pk]))

    assert reverse("open_api:document") in page.text
    assert reverse("open_api:app-authorizations", args=[alice_app.pk]) in page.text
    assert reverse("open_api:app-webhooks", args=[alice_app.pk]) in page.text


def test_seed_demo_prints_what_a_developer_needs_for_the_flow(db, settings):
    # given
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()

    # when
    call_command("seed_demo", "--json", stdout=out)

    # then
    result = json.loads(out.getvalue())
    assert result["app"]["authorization_url"].startswith("http://127.0.0.1:8000/open/authorize?")
    assert result["app"]["app_secret"]
    assert result["open_api"]["seller_center"].endswith("/seller/login/")
    assert "/api/v2/token/get?app_key=" in result["open_api"]["token_get"]
    assert result["seller"]["login"]
