"""gunicorn's access log (gunicorn.conf.py) ends with the request id, credentials masked."""

import json
import os

from tests.deploy.servers import fetch, free_port, running


def test_the_access_log_line_names_the_request_id_and_masks_credentials(tmp_path):
    # given: the project's gunicorn, its access log written to a file
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "VAR_DIR": str(tmp_path),
        "GUNICORN_ACCESS_LOG": str(access_log),
    }
    argv = ["gunicorn", "partner_center.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]

    # when: an Open API call with credentials in its query string, and one with no id
    with running(argv, env=env, port=port):
        url = f"http://127.0.0.1:{port}/api/v2/nothing?access_token=TOKEN-123&sign=SIGN-456"
        status, headers, body = fetch(url)
        _, other, _ = fetch(f"http://127.0.0.1:{port}/api/v2/other")

    # then
    assert status == 404
    request_id = headers["X-Request-ID"]
    assert json.loads(body)["request_id"] == request_id
    lines = access_log.read_text().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith(f" {request_id}")
    assert lines[1].endswith(f" {other['X-Request-ID']}")
    assert "TOKEN-123" not in lines[0]
    assert "SIGN-456" not in lines[0]
    assert "access_token=[redacted]" in lines[0]
