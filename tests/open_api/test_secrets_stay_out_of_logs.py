"""The app secret, auth codes and tokens never reach the logs, whatever happens."""

import logging

import pytest
from django.urls import reverse

from open_api import services, tasks
from open_api.models import Authorization
from open_api.redaction import RedactCredentials

from .conftest import (
    SHOPS_PATH,
    authorize,
    get_token,
    secret_of,
    signed_params,
)


def test_the_whole_flow_logs_no_secret_code_or_token(
    sam_client, certified_alice, sam, caplog, settings
):
    # given
    from .conftest import make_app, publish

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    app = publish(make_app(certified_alice, webhook_url="https://127.0.0.1:9/unreachable"))
    secret = secret_of(app)
    caplog.set_level(logging.DEBUG)

    # when: every path, errors included
    code = authorize(sam_client, app)
    data = get_token(sam_client, app, code, secret=secret).json()["data"]
    refreshed = sam_client.get(
        "/api/v2/token/refresh",
        {
            "app_key": app.app_key,
            "app_secret": secret,
            "refresh_token": data["refresh_token"],
            "grant_type": "refresh_token",
        },
    ).json()
    params = signed_params(app, SHOPS_PATH, secret=secret)
    sam_client.get(SHOPS_PATH, params, headers={"x-tts-access-token": data["access_token"]})
    sam_client.get(
        SHOPS_PATH, params, headers={"x-tts-access-token": refreshed["data"]["access_token"]}
    )
    sam_client.get(SHOPS_PATH, {**params, "sign": "0" * 64})
    get_token(sam_client, app, code, secret=secret)  # replay: revokes the chain
    get_token(sam_client, app, "bad-code", secret=secret)
    get_token(sam_client, app, code, secret=secret + "x")
    services.revoke_as_seller(
        authorization_id=Authorization.objects.get().pk, seller_account_id=str(sam.pk)
    )
    tasks.sweep()  # a failing webhook attempt, signed
    sam_client.get(reverse("open_api:authorization-list"))

    # then
    assert caplog.records  # the flow did log
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    for value in (
        secret,
        code,
        data["access_token"],
        data["refresh_token"],
        refreshed["data"]["access_token"],
        refreshed["data"]["refresh_token"],
        params["sign"],
    ):
        assert value not in logged


def test_access_log_lines_have_credentials_masked():
    # given: the line Django's development server logs for a token request
    from open_api.redaction import RedactCredentials

    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        ("GET /api/v2/token/get?app_key=k&app_secret=S3CRET&auth_code=C0DE&grant_type="
         "authorized_code HTTP/1.1", "200", "512"), None,
    )  # fmt: skip

    # when
    RedactCredentials().filter(record)

    # then
    line = record.getMessage()
    assert "S3CRET" not in line
    assert "C0DE" not in line
    assert "app_key=k&app_secret=[redacted]&auth_code=[redacted]&grant_type=" in line


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('"GET /callback?code=ROW-CODE-1&state=xyz HTTP/1.1" 302', "ROW-CODE-1"),
        ("/api/v2/token/get?app_key=k&app_secret=S3CR3T&auth_code=AC-9", "S3CR3T"),
        ("/api/v2/token/get?app_key=k&app_secret=S3CR3T&auth_code=AC-9", "AC-9"),
        ("/api/v2/token/refresh?refresh_token=RT-77&grant_type=refresh_token", "RT-77"),
        ("/authorization/202309/shops?access_token=AT-5&sign=abcdef0123", "AT-5"),
        ("/authorization/202309/shops?access_token=AT-5&sign=abcdef0123", "abcdef0123"),
        ('{"access_token": "AT-JSON", "refresh_token": "RT-JSON"}', "AT-JSON"),
        ('{"access_token": "AT-JSON", "refresh_token": "RT-JSON"}', "RT-JSON"),
        ("x-tts-access-token: AT-HEADER", "AT-HEADER"),
        ("password=hunter2&email=a@example.com", "hunter2"),
    ],
)
def test_every_credential_name_is_masked_in_a_log_line(line, secret, caplog):
    # given
    caplog.set_level(logging.INFO)
    logger = logging.getLogger("partner_center.test")
    logger.addFilter(RedactCredentials())

    # when
    logger.info("request %s", line)

    # then
    assert secret not in caplog.text
    assert "[redacted]" in caplog.text
