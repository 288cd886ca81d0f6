"""The app secret, auth codes and tokens never reach the logs, whatever happens."""

import logging

from django.urls import reverse

from apps_services import services, tasks
from apps_services.models import Authorization

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
    sam_client.get(reverse("sellers:authorization-list"))

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
    from apps_services.redaction import RedactCredentials

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
