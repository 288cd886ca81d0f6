"""partner_center/handlers.py: the Open API's paths take the lean middleware chain, every
other path the full one — and the lean chain still sends the security headers and the JSON
400 for bad input."""

import json

import pytest
from django.conf import settings

from partner_center.handlers import LEAN_MIDDLEWARE, PortalHandler
from tests.open_api.test_hot_paths import call


@pytest.fixture
def portal(db):
    return PortalHandler()


def test_the_lean_chain_is_a_subset_of_the_full_one():
    # Nothing on the lean chain that the portal does not run anyway, but its own headers.
    assert set(LEAN_MIDDLEWARE) - set(settings.MIDDLEWARE) == {
        "partner_center.handlers.api_headers"
    }


def test_an_api_answer_carries_the_security_headers_and_no_session(portal):
    # when
    status, headers, body = call(portal, "/authorization/202309/shops")

    # then: the API's JSON refusal, with the headers of every answer
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == 36004001
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in headers["Cache-Control"]
    # nothing of the portal's page machinery
    assert "Set-Cookie" not in headers
    assert "Vary" not in headers


def test_an_unknown_api_path_answers_the_apis_json_404(portal):
    status, headers, body = call(portal, "/api/v1/nothing-here")

    assert status == 404
    assert json.loads(body)["code"] == 36000404
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_bad_input_on_the_lean_chain_is_the_apis_json_400(portal):
    status, _headers, body = call(
        portal, "/api/v2/token/get", {"app_key": "abc\x00", "app_secret": "x"}
    )

    assert status == 400
    answer = json.loads(body)
    assert answer["code"] == 36004001
    assert "app_key" in answer["message"]


def test_a_control_character_in_a_header_is_refused_on_the_lean_chain(portal):
    status, _headers, body = call(
        portal, "/authorization/202309/shops", headers={"x-tts-access-token": "ROW_\x01"}
    )

    assert status == 400
    assert "X-Tts-Access-Token" in json.loads(body)["message"]


def test_a_portal_page_still_gets_the_full_chain(portal):
    # when
    status, headers, body = call(portal, "/account/login/")

    # then: a page under the portal's CSP (CSPMiddleware), with the CSRF cookie and the
    # language negotiated
    assert status == 200
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "csrftoken=" in headers.get("Set-Cookie", "")
    assert "Accept-Language" in headers["Vary"]
    assert headers["X-Frame-Options"] == "DENY"
    assert b"<html" in body
