"""Production headers: a Content-Security-Policy with nothing inline, and templates that
need nothing inline (no <script> body, no style="", no on…= handler)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_unsafe_inline(client):
    # when
    response = client.get("/")

    # then
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def template_files():
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_hold_no_inline_script_style_or_handler(path):
    text = path.read_text(encoding="utf-8")

    inline_scripts = [
        tag
        for tag in re.findall(r"<script\b[^>]*>", text)
        if "src=" not in tag and "application/json" not in tag and "csp_nonce" not in tag
    ]
    assert inline_scripts == [], "move the script into static/js/"
    assert re.findall(r"\sstyle=\"", text) == [], "move the style into static/css/"
    assert re.findall(r"\son[a-z]+=\"", text) == [], "attach the handler from static/js/"


@pytest.mark.django_db
def test_the_language_cookie_carries_the_production_flags(client, settings):
    # The settings module turns LANGUAGE_COOKIE_SECURE on with DEBUG=0 (test_deploy_check
    # runs a production process); here: the switcher's cookie carries what is configured.
    settings.LANGUAGE_COOKIE_SECURE = True

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
