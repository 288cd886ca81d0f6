"""Processes of the portal started as on many machines, for tests/deploy/test_many_machines.py.

Each process runs a command line of docker-compose.yml with the stack's environment and a
VAR_DIR (and home) of its own; they share PostgreSQL, Redis, the S3 bucket and a mail relay.
`Browser` speaks HTTP to the nodes as a person would: forms with their CSRF token, cookies
kept across nodes.
"""

import contextlib
import io
import json
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import redis
from PIL import Image

from tests.deploy.mailsink import MailSink
from tests.deploy.servers import (
    ROOT,
    command_line,
    dockerfile_runs,
    free_port,
    own_database,
    run_shell,
    running,
    stack_environment,
    with_venv,
)
from tests.s3server import running_s3_server

BUCKET = "rehearsal-documents"
# Short intervals, so a minute of operation fits in seconds.
SWEEP_SECONDS = 2
FLUSH_SECONDS = 2
# A notification claimed this long ago by a worker that has not sent it is taken over.
CLAIM_STALE_SECONDS = 6
# The mail relay takes this long before accepting each message: sends overlap a kill.
MAIL_DELAY_SECONDS = 1.5
# A beat that died holds the lock this long at most; then a waiting one takes over.
BEAT_LOCK_SECONDS = 10
# A beat has started, or (celery-redbeat) waits for the lock another beat holds.
BEAT_READY = ("beat: Starting...", "beat: Acquiring lock")


@dataclass
class Stack:
    nodes: dict[str, str]  # "A"/"B" -> base URL
    s3_url: str
    database_url: str
    env: dict
    root: Path
    sink: MailSink
    seed: dict
    exits: ExitStack
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def sql(self, query: str, *args) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(query, args).fetchall()

    def start(self, name: str, argv: list[str], *, port: int | None = None, ready=None):
        """Start one process of the stack with its own VAR_DIR; its output in logs[name]."""
        var_dir = self.root / name
        var_dir.mkdir(exist_ok=True)
        argv = [arg.replace("/data/", f"{var_dir}/") for arg in argv]
        self.logs[name] = self.root / f"{name}.log"
        self.processes[name] = self.exits.enter_context(
            running(
                argv,
                # A machine of its own: its own disk, and its own home (gunicorn's control
                # socket lives there).
                env={**self.env, "VAR_DIR": str(var_dir), "HOME": str(var_dir)},
                port=port,
                log=self.logs[name],
                ready=ready,
                timeout=60,
            )
        )

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")


def create_bucket(s3_url: str, env: dict) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_url,
        region_name=env["AWS_S3_REGION_NAME"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=BUCKET)


def forget_previous_runs(redis_url: str) -> None:
    """Only what the stack itself keeps in its Redis database: queued tasks, click batches,
    the beat lock and schedule of an earlier run that was stopped."""
    client = redis.Redis.from_url(redis_url)
    patterns = ("celery*", "_kombu*", "unacked*", "referrals:*", "redbeat*", "partner-center:*")
    for pattern in patterns:
        for key in client.scan_iter(match=pattern, count=500):
            client.delete(key)
    client.close()


def gunicorn_line(port: int) -> list[str]:
    line = command_line("web1")
    assert "0.0.0.0:8000" in line, line
    line = [f"127.0.0.1:{port}" if arg == "0.0.0.0:8000" else arg for arg in line]
    # Two web nodes on a two-core machine: two gunicorn workers each instead of four.
    return [*line[: line.index("--workers") + 1], "2", *line[line.index("--workers") + 2 :]]


def worker_line(name: str) -> list[str]:
    line = command_line("worker1")
    assert "-n" in line, line
    at = line.index("-n") + 1
    return [*line[:at], f"{name}@%h", *line[at + 1 :]]


@contextmanager
def many_machines(root: Path, *, redis_url: str) -> Iterator[Stack]:
    """Two web nodes (A, B), two workers (w1, w2) and a beat (beat1) on a fresh database,
    migrated and seeded with the demo, until the with-block ends."""
    with ExitStack() as exits:
        database_url = exits.enter_context(own_database("pc_rehearsal_nodes"))
        s3_url = exits.enter_context(running_s3_server())
        sink = MailSink(delay=MAIL_DELAY_SECONDS)
        exits.callback(sink.close)
        ports = {"A": free_port(), "B": free_port()}
        nodes = {node: f"http://127.0.0.1:{port}" for node, port in ports.items()}
        env = stack_environment(database_url=database_url, var_dir=root, s3_url=s3_url)
        env.update(
            DEBUG="0",
            # The reviewer signs in to the admin with a password here: what is rehearsed is
            # the nodes, not two-factor sign-in (tests/accounts/test_two_factor.py).
            REQUIRE_STAFF_MFA="0",
            SECURE_SSL_REDIRECT="0",
            ALLOWED_HOSTS="127.0.0.1",
            PORTAL_BASE_URL=nodes["A"],
            AWS_STORAGE_BUCKET_NAME=BUCKET,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            REFERRAL_CLICK_COUNTER="redis",
            NOTIFICATION_SWEEP_SECONDS=str(SWEEP_SECONDS),
            REFERRAL_CLICK_FLUSH_SECONDS=str(FLUSH_SECONDS),
            NOTIFICATION_CLAIM_STALE_SECONDS=str(CLAIM_STALE_SECONDS),
            REDBEAT_LOCK_TIMEOUT=str(BEAT_LOCK_SECONDS),
        )
        create_bucket(s3_url, env)
        forget_previous_runs(redis_url)

        # The image build's collectstatic, the one-shot migrate service, then the demo's
        # accounts and referral links.
        (collect,) = [run for run in dockerfile_runs() if "collectstatic" in run]
        build_env = {k: v for k, v in env.items() if k not in {"VAR_DIR", "DATABASE_URL"}}
        built = run_shell(collect, env=build_env)
        assert built.returncode == 0, built.stderr
        migrate = command_line("migrate")
        migrated = run_shell(migrate[2], env={**env, "VAR_DIR": str(root / "migrate")})
        assert migrated.returncode == 0, migrated.stderr
        seeded = subprocess.run(
            with_venv(["python", "manage.py", "seed_demo", "--json", "--base-url", nodes["A"]]),
            cwd=ROOT,
            env={**env, "VAR_DIR": str(root / "migrate")},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert seeded.returncode == 0, seeded.stderr

        the_stack = Stack(
            nodes=nodes,
            s3_url=s3_url,
            database_url=database_url,
            env=env,
            root=root,
            sink=sink,
            seed=json.loads(seeded.stdout),
            exits=exits,
        )
        for node, port in ports.items():
            the_stack.start(f"web-{node}", gunicorn_line(port), port=port)
        for name in ("w1", "w2"):
            the_stack.start(name, worker_line(name), ready=" ready.")
        the_stack.start("beat1", command_line("beat"), ready=BEAT_READY)
        yield the_stack


# --- HTTP, as a browser would speak it to the nodes --------------------------------------


class Browser:
    """One person's cookies, used against whichever node is named (both share sessions)."""

    def __init__(self, stack: Stack):
        import requests

        self.stack = stack
        self.session = requests.Session()

    def _behind_tls(self, response):
        """The nodes run the production settings and mark their cookies Secure; TLS ends at
        the load balancer in front of them, which this client stands in for by speaking plain
        HTTP to the nodes: it keeps sending those cookies, as the browser does over HTTPS."""
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def get(self, node: str, path: str, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        url = self.stack.nodes[node] + path
        return self._behind_tls(self.session.get(url, timeout=30, **kwargs))

    def post(self, node: str, path: str, data, *, page: str | None = None, **kwargs):
        """POST with the CSRF token of `page` (default: `path` itself), as a form would."""
        token = csrf_token(self.get(node, page or path, allow_redirects=True).text)
        response = self.session.post(
            self.stack.nodes[node] + path,
            data={"csrfmiddlewaretoken": token, **data},
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )
        return self._behind_tls(response)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "the page carries a CSRF token"
    return found.group(1)


def errors_on(page: str) -> list[str]:
    """The error messages a form page shows (what a person would read next to the fields)."""
    found = re.findall(r'<div class="error-summary"(.*?)</div>', page, flags=re.S)
    found += re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', page, flags=re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", text).strip() for text in found]


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 64), colour).save(out, format="PNG")
    return out.getvalue()


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
    return result
