"""One Celery beat at a time across nodes: RedBeat's lock in Redis (real beat processes)."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.conftest import requires_redis

ROOT = Path(__file__).resolve().parent.parent.parent
LOCK_TIMEOUT = 4  # seconds; beat then wakes (and a waiting beat asks for the lock) every second

pytestmark = [pytest.mark.redis, requires_redis()]


class Beat:
    """A `celery -A partner_center beat` process, its output collected line by line."""

    def __init__(self, name: str, env: dict, cwd: Path):
        self.name = name
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "partner_center", "beat", "--loglevel=info"],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def said(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.said(text):
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return f"--- {self.name}\n" + "\n".join(self.lines[-40:])


@pytest.fixture
def beats(tmp_path):
    """Start beats sharing one Redis lock (a key prefix of the test's own); afterwards stop
    them, and remove their keys and the task messages they queued."""
    prefix = f"test-beat-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    queued_before = client.llen("celery")
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LOG_FORMAT"}},
        "REDIS_URL": settings.REDIS_URL,
        "REDBEAT_KEY_PREFIX": prefix,
        "REDBEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
        "REFERRAL_CLICK_FLUSH_SECONDS": "1",
        "LOG_FORMAT": "plain",
        "VAR_DIR": str(tmp_path),
        # Run from an empty folder (a schedule file would land there) and import from here.
        "PYTHONPATH": str(ROOT),
    }
    started: list[Beat] = []

    def start(name: str) -> Beat:
        beat = Beat(name, env, tmp_path)
        started.append(beat)
        return beat

    yield start, client, prefix
    for beat in started:
        beat.stop(signal.SIGKILL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    # Beat's messages went to the head of the default queue (LPUSH): take exactly those.
    extra = client.llen("celery") - queued_before
    if extra > 0:
        client.lpop("celery", extra)


def test_only_one_beat_holds_the_lock_and_another_takes_over_when_it_dies(beats, tmp_path):
    start, client, prefix = beats

    # given: a first beat holding the lock and sending the 1-second click flush
    first = start("first")
    assert first.wait_for("beat: Acquired lock", 20), first.output()
    assert first.wait_for("Sending due task referrals-flush-clicks", 5), first.output()

    # when: a second beat starts on "another node"
    second = start("second")
    time.sleep(LOCK_TIMEOUT + 2)  # longer than the lock would last without its holder

    # then: it waits; only the first sends ticks
    assert second.process.poll() is None, second.output()
    assert second.said("beat: Acquired lock") == 0, second.output()
    assert second.said("Sending due task") == 0, second.output()
    sent_by_first = first.said("Sending due task referrals-flush-clicks")
    assert sent_by_first >= 3, first.output()
    assert 0 < client.ttl(f"{prefix}:lock") <= LOCK_TIMEOUT

    # when: the holder dies without releasing its lock (a node lost)
    first.stop(signal.SIGKILL)
    died_at = time.monotonic()

    # then: the second takes over once the lock has expired, and sends the ticks
    assert second.wait_for("beat: Acquired lock", LOCK_TIMEOUT + 6), second.output()
    took_over_after = time.monotonic() - died_at
    assert second.wait_for("Sending due task referrals-flush-clicks", 5), second.output()
    assert took_over_after <= LOCK_TIMEOUT + 3, took_over_after
    assert first.said("Sending due task referrals-flush-clicks") == sent_by_first
    # and no schedule file was written on the node's disk: the schedule lives in Redis
    assert not list(tmp_path.glob("celerybeat-schedule*"))


def test_a_beat_stopped_cleanly_hands_over_at_once(beats):
    start, _client, _prefix = beats
    first = start("first")
    assert first.wait_for("beat: Acquired lock", 20), first.output()
    second = start("second")
    time.sleep(3)  # the second is up and waiting
    assert second.said("beat: Acquired lock") == 0, second.output()

    first.stop(signal.SIGTERM)
    stopped_at = time.monotonic()

    assert first.said("beat: Releasing lock") == 1, first.output()
    assert second.wait_for("beat: Acquired lock", LOCK_TIMEOUT), second.output()
    assert time.monotonic() - stopped_at < LOCK_TIMEOUT
