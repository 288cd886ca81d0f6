"""Error reports carry no credentials and name their request id (partner_center/errors.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from partner_center import requestid
from partner_center.errors import before_send

ROOT = Path(__file__).resolve().parent.parent.parent
SECRETS = ["APPSECRET-1", "AUTHCODE-2", "TOKEN-3", "SIGN-4", "BEARER-5", "TTS-6", "PASS-7"]


def sample_event() -> dict:
    """An event as sentry-sdk's Django integration builds it for a failing Open API call."""
    return {
        "level": "error",
        "message": "Token exchange failed for /api/v2/token/get?app_secret=APPSECRET-1",
        "request": {
            "url": "https://pc.example.com/api/v2/token/get",
            "method": "POST",
            "query_string": "app_key=k1&app_secret=APPSECRET-1&auth_code=AUTHCODE-2&sign=SIGN-4",
            "headers": {
                "Authorization": "Bearer BEARER-5",
                "X-Tts-Access-Token": "TTS-6",
                "User-Agent": "curl/8",
            },
            "data": {"password": "PASS-7", "access_token": "TOKEN-3", "shop_id": "7494"},
        },
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": 'bad body {"access_token": "TOKEN-3"}',
                    "stacktrace": {
                        "frames": [
                            {"function": "token_get", "vars": {"app_secret": "'APPSECRET-1'"}}
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "GET /x?sign=SIGN-4", "category": "http"}]},
        "tags": {"center": "global"},
    }


def test_before_send_masks_every_credential_and_keeps_the_rest():
    scrubbed = before_send(sample_event(), {})

    text = json.dumps(scrubbed)
    for secret in SECRETS:
        assert secret not in text, secret
    request = scrubbed["request"]
    assert request["headers"]["User-Agent"] == "curl/8"
    assert request["headers"]["Authorization"] == "[redacted]"
    assert request["data"]["shop_id"] == "7494"
    assert "app_key=k1" in request["query_string"]
    assert scrubbed["exception"]["values"][0]["type"] == "ValueError"
    assert scrubbed["tags"] == {"center": "global"}


def test_before_send_tags_the_event_with_the_request_id():
    token = requestid.request_id.set("req-sentry-9")
    try:
        scrubbed = before_send(sample_event(), {})
        paired = before_send({"tags": [["center", "us"]]}, {})
    finally:
        requestid.request_id.reset(token)

    assert scrubbed["tags"] == {"center": "global", "request_id": "req-sentry-9"}
    assert paired["tags"] == {"center": "us", "request_id": "req-sentry-9"}


def test_sentry_starts_only_with_a_dsn_and_without_personal_data(tmp_path):
    code = """
import json, sentry_sdk
import django; django.setup()
client = sentry_sdk.get_client()
options = client.options if client.is_active() else {}
print(json.dumps({
    "active": client.is_active(),
    "pii": options.get("send_default_pii"),
    "environment": options.get("environment"),
    "integrations": sorted(getattr(client, "integrations", {})),
    "before_send": getattr(options.get("before_send"), "__module__", None),
}))
"""
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")},
        "DJANGO_SETTINGS_MODULE": "partner_center.settings",
        "VAR_DIR": str(tmp_path),
    }

    def started(**env) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    off = started()
    on = started(SENTRY_DSN="https://public@sentry.invalid/1", SENTRY_ENVIRONMENT="staging")

    assert off["active"] is False
    assert on["active"] is True
    assert on["pii"] is False
    assert on["environment"] == "staging"
    assert {"django", "celery"} <= set(on["integrations"])
    assert on["before_send"] == "partner_center.errors"
