"""Control characters (a NUL byte above all: PostgreSQL cannot store it) are refused with a
400 and a clear message at every entry point, never a server error. Runs on SQLite, and on
PostgreSQL when DATABASE_URL points there.

The route list is generated from the URL configuration, so a route added later is walked too.
"""

import json
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

NUL = "\x00"
BAD_FIELDS = {"email": f"alice{NUL}@example.com", "next": f"/{NUL}", "q": f"x{NUL}y"}
SAMPLE = {"int": "1", "uuid": str(uuid.UUID(int=1)), "slug": "x", "str": "x", "path": "x"}


def _sample_route(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), route)


def _sample_regex(regex: str) -> str:
    # `(?P<app_label>auth|onboarding)` → `auth`; any other group → `1`; anchors dropped.
    regex = re.sub(r"\(\?P<\w+>([\w|-]+)\)", lambda m: m.group(1).split("|")[0], regex)
    regex = re.sub(r"\(\?:([\w|/-]+)\)", lambda m: m.group(1).split("|")[0], regex)
    regex = re.sub(r"\((?:\?P<\w+>)?[^)]*\)", "1", regex)
    return regex.lstrip("^").rstrip("$").replace("\\", "").replace("?", "")


def walk(patterns=None, prefix: str = "") -> list[str]:
    """A concrete path for every URL pattern of the project."""
    paths: list[str] = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        text = str(pattern.pattern)
        part = _sample_regex(text) if text.startswith("^") else _sample_route(text)
        if isinstance(pattern, URLResolver):
            paths += walk(pattern.url_patterns, prefix + part)
        elif isinstance(pattern, URLPattern):
            paths.append("/" + prefix + part)
    return sorted(set(paths))


ROUTES = walk()
# Routes whose path itself carries a value the view looks up: a NUL there too.
PATH_VALUES = ["/r/x%00y", "/seller/apps/x%00y/logo/", "/onboarding/documents/x%00y.png"]


def refused(response) -> bool:
    return response.status_code == 400


def test_the_route_list_covers_the_project():
    # A guard on the generator: the pages the issue named, the admin and the Open API.
    for path in (
        "/open/authorize",
        "/seller/start/",
        "/onboarding/get-started/",
        "/api/v2/token/get",
        "/api/v2/token/refresh",
        "/account/signup/",
        "/admin/login/",
    ):
        assert path in ROUTES
    assert len(ROUTES) > 100


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_nul_in_a_query_parameter_is_refused_on_every_route(client, alice):
    # given: the worst case, a signed-in partner (pages do more lookups for them)
    client.force_login(alice)

    # when
    answers = {path: client.get(path, BAD_FIELDS).status_code for path in ROUTES}

    # then
    assert {path: status for path, status in answers.items() if status != 400} == {}


def test_a_nul_in_a_form_field_is_refused_on_every_route(client):
    # when: anonymous, the way sign-up, login and the seller pages are reached
    answers = {path: client.post(path, BAD_FIELDS).status_code for path in ROUTES}

    # then
    assert {path: status for path, status in answers.items() if status != 400} == {}


def test_a_nul_in_a_form_field_is_refused_on_every_route_when_signed_in(client, alice):
    client.force_login(alice)

    answers = {path: client.post(path, BAD_FIELDS).status_code for path in ROUTES}

    assert {path: status for path, status in answers.items() if status != 400} == {}


@pytest.mark.parametrize("path", PATH_VALUES)
def test_a_nul_in_the_address_itself_is_refused(client, alice, path):
    client.force_login(alice)

    assert refused(client.get(path))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/open/authorize", {"app_key": NUL, "state": "s-1"}),
        ("/seller/start/", {"ref": f"abc{NUL}"}),
        ("/seller/login/", {"login": NUL, "password": "x"}),
        ("/onboarding/get-started/", {"partner_type": NUL, "region": NUL}),
        ("/account/signup/", {"email": f"a{NUL}@example.com", "password1": "x"}),
        ("/account/login/", {"login": f"alice@example.com{NUL}", "password": "x"}),
        ("/my-account/change/email/", {"new_email": f"n{NUL}@example.com", "code": "1"}),
    ],
)
def test_the_pages_named_in_the_report_refuse_with_a_readable_page(
    client, alice, settings, path, params
):
    # given
    client.force_login(alice)

    # when
    got = client.get(path, params)
    posted = client.post(path, params)

    # then
    for response in (got, posted):
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert "contains a control character" in page
        assert "Partner Center" in page  # the portal's own page, not a bare error


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (
            "/api/v2/token/get",
            {"app_key": "k", "app_secret": "s", "auth_code": NUL, "grant_type": "authorized_code"},
        ),
        (
            "/api/v2/token/refresh",
            {"app_key": NUL, "app_secret": "s", "refresh_token": "r", "grant_type": "refresh"},
        ),
        ("/authorization/202309/shops", {"app_key": NUL, "timestamp": "1", "sign": "x"}),
    ],
)
def test_the_open_api_refuses_in_its_own_json_shape(client, path, params):
    response = client.get(path, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 36004001  # INVALID_PARAMETER
    assert "NUL" in body["message"]
    assert body["request_id"]


def test_a_json_body_with_an_escaped_nul_is_refused(client):
    response = client.post(
        "/api/v2/token/get",
        json.dumps({"app_key": "k", "auth_code": "\u0000"}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "auth_code" in response.json()["message"]


def test_a_nul_in_the_access_token_header_is_refused(client):
    response = client.get(
        "/authorization/202309/shops",
        {"app_key": "k", "timestamp": "1", "sign": "x"},
        headers={"x-tts-access-token": f"tok{NUL}"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == 36004001


@pytest.mark.parametrize("character", ["\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"])
def test_every_other_control_character_is_refused_too(client, character):
    response = client.post("/account/login/", {"login": f"alice{character}@example.com"})

    assert response.status_code == 400


def test_tabs_and_line_breaks_are_ordinary_text(client, alice):
    # given: a multi-line text area, as a browser sends it
    response = client.post(
        "/account/login/", {"login": "alice@example.com", "password": "wrong\tone\r\n"}
    )

    # then: the login form answers (wrong password), nothing is refused
    assert response.status_code == 200


def test_an_uploaded_files_bytes_are_not_checked(client):
    # given: binary content full of NUL bytes, as every image has
    content = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + bytes(64)

    # when
    response = client.post(
        "/account/login/", {"login": "x", "file": SimpleUploadedFile("scan.png", content)}
    )

    # then: the login form answers as usual
    assert response.status_code == 200


def test_a_damaged_session_cookie_signs_the_visitor_out_instead_of_failing(client, alice):
    # given: a cookie a browser would never send (a crafted request)
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"

    # when
    response = client.get("/onboarding/get-started/")

    # then: treated as not signed in
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_a_request_django_cannot_parse_gets_the_same_page(client):
    # given: more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS allows
    query = "&".join(f"field{i}=1" for i in range(1100))

    # when
    response = client.get(f"/catalog/?{query}")

    # then
    assert response.status_code == 400
    assert "Request refused" in response.content.decode()
