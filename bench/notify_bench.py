"""Notification latency: a reviewer's decision to its email handed to SMTP, with a real
Celery worker and beat against PostgreSQL and Redis.

The path measured is production's: the reviewer, logged in to the portal's gunicorn over
HTTP, presses Approve on an application (POST /admin/onboarding/application/<id>/approve/);
`decide_application` commits the decision with its outbox row and queues the delivery task
on commit; the worker (the compose file's command line: `celery -A partner_center worker`)
claims the row and sends through Django's SMTP backend to a real SMTP server in this process
(bench/smtp_sink.py), which notes when each message's DATA arrived. Beat runs beside it, its
notification sweep every few seconds, so a sweep races the on-commit tasks while they run.

Latency = SMTP DATA received - the decision's HTTP response returned. Decisions are spaced
(5 a second) so the figure is the latency of a decision, not the draining of a burst. After
the last email a grace period longer than a sweep interval passes, then every decision must
have exactly one email (no duplicates, none missing), to its partner, with its link.

It runs twice: quiet, and with webhook posts to a developer endpoint that never answers
queued just before the decisions (each holds a worker process for WEBHOOK_TIMEOUT_SECONDS).
The worker, beat and any other Celery service are docker-compose.yml's command lines.
"""

from __future__ import annotations

import http.client
import json
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path

import yaml

from bench.harness import PYTHON, ROOT, Context, Row, percentile
from bench.smtp_sink import Received, smtp_sink

TARGET_P95_S = 1.0
DECISIONS_PER_SECOND = 5
WARM_UP = 2  # decisions sent first and not timed: the worker's first task opens connections
SWEEP_SECONDS = 5  # beat's notification sweep, short so that it runs while decisions do
GRACE_SECONDS = SWEEP_SECONDS + 3

# Pending applications of bench partners (manage.py bench_data), one per partner, and the
# reviewer's credentials; bench_data is run first when the database holds no bench partner.
PREPARE = """
import json
from django.core.management import call_command
from demo.management.commands import bench_data
from accounts.models import User
from onboarding.models import Application, State

wanted = {count}
partners = User.objects.filter(email__endswith="@" + bench_data.DOMAIN).exclude(
    email=bench_data.REVIEWER_EMAIL
)
if not partners.exists():
    call_command("bench_data", partners=wanted, stdout=open("/dev/null", "w"))
chosen, seen = [], set()
pending = (
    Application.objects.filter(state=State.PENDING_REVIEW, user__in=partners)
    .select_related("user")
    .order_by("pk")
)
for application in pending.iterator():
    if application.user_id in seen:
        continue
    seen.add(application.user_id)
    chosen.append(
        {{"id": application.pk, "email": application.user.email,
          "path": application.get_absolute_url()}}
    )
    if len(chosen) == wanted:
        break
print(json.dumps({{"reviewer": bench_data.REVIEWER_EMAIL, "password": bench_data.PASSWORD,
                  "applications": chosen}}))
"""

# Webhook posts queued as the portal queues them (an event's outbox row, its task on commit),
# all to one developer endpoint that hangs.
BACKLOG = """
from apps_services.models import App
from open_api.models import WebhookDelivery
from open_api.tasks import queue_webhook
app = App.objects.exclude(secret_encrypted="").order_by("pk").first()
App.objects.filter(pk=app.pk).update(webhook_url="{url}")
app.refresh_from_db()
for n in range({count}):
    delivery = WebhookDelivery.enqueue(
        app=app, event_type=WebhookDelivery.EventType.SELLER_DEAUTHORIZATION,
        shop_id=f"74940000{{n:08d}}", data={{"message": "bench"}},
    )
    queue_webhook(delivery.pk)
"""

# What the outbox says afterwards about the decided applications' notifications.
OUTBOX = """
import json
from notifications.models import Notification
from onboarding.models import Application
paths = {paths}
rows = Notification.objects.filter(url__in=paths, kind="application_approved")
print(json.dumps({{
    "notifications": rows.count(),
    "sent": rows.exclude(email_sent_at=None).count(),
    "max_attempts": max([r.attempts for r in rows] or [0]),
    "approved": Application.objects.filter(pk__in={ids}, state="approved").count(),
}}))
"""


class Reviewer:
    """A reviewer's browser, reduced to what deciding needs: cookies and the CSRF token."""

    def __init__(self, ctx: Context) -> None:
        self.host, self.port = "127.0.0.1", ctx.portal_port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response, content

    def log_in(self, email: str, password: str) -> None:
        response, page = self.request("GET", "/admin/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if response.status != 200 or token is None:
            raise RuntimeError(f"GET /admin/login/ answered {response.status} without a form")
        response, _ = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": email,
                "password": password,
                "next": "/admin/",
            },
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"the reviewer could not log in (HTTP {response.status})")

    def approve(self, application_id: int) -> None:
        """Press Approve on the application's admin page; returns once the answer is read."""
        path = f"/admin/onboarding/application/{application_id}/approve/"
        response, _ = self.request(
            "POST", path, {"csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        )
        if response.status != 302:
            raise RuntimeError(f"POST {path} answered {response.status}")


class Process:
    """A Celery command line (what follows `celery`), logging to a file, stopped at the end."""

    def __init__(self, args: list[str], env: dict, log: Path, ready: str) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "celery", *args],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while ready not in log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = log.read_text()[-3000:]
                raise RuntimeError(f"celery {' '.join(args)} did not start:\n{tail}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # warm shutdown: tasks in hand finish
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def match(messages: list[Received], decisions: dict[str, dict]) -> dict[str, list[Received]]:
    """The emails of each decision, by the application link in the body (path -> emails)."""
    found: dict[str, list[Received]] = {path: [] for path in decisions}
    for message in messages:
        for url in re.findall(r"https?://\S+", message.body):
            path = urllib.parse.urlsplit(url).path
            if path in found:
                found[path].append(message)
    return found


def celery_services(schedule_dir: str) -> dict[str, list[str]]:
    """The Celery command lines of docker-compose.yml (workers and beat), by service, with
    beat's schedule file moved into `schedule_dir`."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = {}
    for name, service in compose["services"].items():
        command = shlex.split(str(service.get("command", "")))
        if command[:1] != ["celery"]:
            continue
        if "--schedule" in command:
            command[command.index("--schedule") + 1] = str(Path(schedule_dir) / f"{name}.db")
        services[name] = command[1:]
    return services


class HungEndpoint:
    def __init__(self, url: str, held: list[socket.socket]) -> None:
        self.url, self.held = url, held


@contextmanager
def hung_endpoint() -> Iterator[HungEndpoint]:
    """A webhook URL whose server accepts the connection and never answers: every post to it
    takes the whole WEBHOOK_TIMEOUT_SECONDS (a developer's endpoint that is down)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(256)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield HungEndpoint(f"http://127.0.0.1:{server.getsockname()[1]}/webhook", held)
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        server.close()


def measure(ctx: Context, prepared: dict, applications: list[dict], *, backlog: int) -> Row:
    """Decide `applications` (the first WARM_UP untimed) with the compose file's workers and
    beat running; with `backlog`, that many webhook posts to a hung endpoint are queued just
    before the timed decisions."""
    warm_up, timed = applications[:WARM_UP], applications[WARM_UP:]
    count = len(timed)
    with (
        smtp_sink() as sink,
        hung_endpoint() as endpoint,
        tempfile.TemporaryDirectory(prefix="notify-bench-") as temp,
    ):
        env = {
            **ctx.env,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": sink.host,
            "EMAIL_PORT": str(sink.port),
            "EMAIL_USE_TLS": "0",
            "NOTIFICATION_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",  # the hung endpoint is on 127.0.0.1
        }
        started: list[Process] = []
        try:
            commands = celery_services(temp)
            for name, args in commands.items():
                ready = "beat: Starting" if "beat" in args else " ready."
                started.append(Process(args, env, Path(temp) / f"{name}.log", ready=ready))
            reviewer = Reviewer(ctx)
            reviewer.log_in(prepared["reviewer"], prepared["password"])
            for application in warm_up:
                reviewer.approve(application["id"])
            if not sink.wait_for(WARM_UP, timeout=30):
                raise RuntimeError("the warm-up decisions' emails never arrived")
            if backlog:
                ctx.manage("shell", "-c", BACKLOG.format(count=backlog, url=endpoint.url))

            decided: dict[str, dict] = {}
            start = time.monotonic()
            for index, application in enumerate(timed):
                pause = start + index / DECISIONS_PER_SECOND - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                sent = time.monotonic()
                reviewer.approve(application["id"])
                decided[application["path"]] = {
                    **application,
                    "sent": sent,
                    "answered": time.monotonic(),
                }
            all_arrived = sink.wait_for(WARM_UP + count, timeout=60 + 3 * backlog)
            time.sleep(GRACE_SECONDS)  # a sweep (or a late copy) would add a duplicate now
        finally:
            for process in reversed(started):
                process.stop()
        paths = [a["path"] for a in applications]
        outbox = json.loads(
            ctx.manage(
                "shell", "-c", OUTBOX.format(paths=paths, ids=[a["id"] for a in applications])
            )
            .strip()
            .splitlines()[-1]
        )
        messages = list(sink.messages)
        posts = len(endpoint.held)

    emails = match(messages, decided)
    per_decision = Counter(len(found) for found in emails.values())
    latencies, from_request = [], []
    wrong_recipient = 0
    for path, decision in decided.items():
        found = emails[path]
        if not found:
            continue
        first = min(found, key=lambda m: m.at)
        latencies.append(first.at - decision["answered"])
        from_request.append(first.at - decision["sent"])
        if first.recipients != [decision["email"]]:
            wrong_recipient += 1
    missing = per_decision.get(0, 0)
    duplicated = sum(n for copies, n in per_decision.items() if copies > 1)
    # Beat's first ticks also run the other sweeps, which may mail other accounts of the
    # database (a seeded demo's reminders): only mail to the decided partners is judged.
    partners = {a["email"] for a in applications}
    ours = [m for m in messages if set(m.recipients) & partners]
    others = len(messages) - len(ours)
    other_subjects = sorted({m.subject for m in messages if m not in ours})[:3]
    unmatched = len(ours) - WARM_UP - sum(len(found) for found in emails.values())
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    worst = max(latencies, default=0.0)
    ok = (
        all_arrived
        and not missing
        and not duplicated
        and not wrong_recipient
        and unmatched == 0
        and outbox["sent"] == outbox["notifications"] == len(applications)
        and latencies != []
        and p95 <= TARGET_P95_S
    )
    services = ", ".join(commands)
    detail = (
        f"{count} decisions through the admin's Approve button over HTTP, "
        f"{DECISIONS_PER_SECOND}/s; {len(ours) - WARM_UP} emails to their partners "
        f"({count - missing - duplicated} exactly once, {duplicated} duplicated, {missing} "
        f"missing, {wrong_recipient} to a wrong recipient, {unmatched} unmatched); "
        f"p50 {p50 * 1000:.0f} ms, max {worst * 1000:.0f} ms; from the POST sent: p50 "
        f"{percentile(from_request, 50) * 1000:.0f} ms, p95 "
        f"{percentile(from_request, 95) * 1000:.0f} ms; outbox {outbox['sent']}/"
        f"{outbox['notifications']} marked sent, at most {outbox['max_attempts']} claim(s) "
        f"per row; {others} other emails (other sweeps, other accounts: "
        f"{'; '.join(other_subjects) or 'none'}); compose services "
        f"{services}, notification sweep every {SWEEP_SECONDS} s"
    )
    name = "Notification latency (decision → SMTP), worker + beat"
    if backlog:
        name += f", {backlog} webhook posts to a hung endpoint queued first"
        detail += f"; {posts} webhook posts reached the hung endpoint meanwhile"
    return Row(
        name=name,
        figure=f"p95 {p95 * 1000:.0f} ms",
        target=f"p95 <= {TARGET_P95_S:.0f} s",
        ok=ok,
        detail=detail,
    )


def rows(ctx: Context) -> list[Row]:
    count = 10 if ctx.quick else 50
    backlog = 10 if ctx.quick else 30
    wanted = 2 * (count + WARM_UP)
    prepared = json.loads(
        ctx.manage("shell", "-c", PREPARE.format(count=wanted)).strip().splitlines()[-1]
    )
    applications = prepared["applications"]
    if len(applications) < wanted:
        raise RuntimeError(f"only {len(applications)} pending applications of bench partners")
    quiet, busy = applications[: count + WARM_UP], applications[count + WARM_UP :]
    return [
        measure(ctx, prepared, quiet, backlog=0),
        measure(ctx, prepared, busy, backlog=backlog),
    ]
