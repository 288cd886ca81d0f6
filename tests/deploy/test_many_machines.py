"""The portal on many machines, rehearsed: two web nodes, two workers and a beat, each its own
process with its own VAR_DIR, sharing only PostgreSQL, Redis, the S3 bucket and the mail relay.

The stack is started once for the module from docker-compose.yml's own command lines and
environment (the only changes: loopback ports, two gunicorn workers per node instead of four,
each node's VAR_DIR, quick sweep intervals), against a database of its own that the stack's
one-shot migrate prepares — not the test database: the processes share it. Then:

- a partner signs in on node A and uploads documents through its forms; the reviewer signs in
  on node B, opens them there (a 302 to a presigned URL, the same bytes) and approves there;
- every decision makes exactly one email (counted at the relay, by Message-ID) and one inbox
  row, whichever worker sends it;
- referral clicks spread over both nodes are all counted in the database once flushed;
- a worker killed (SIGKILL) with decisions in flight loses no email and sends none twice;
- a second beat on another node does not double the sweeps.

The figures go to stdout (-s) and to test-artifacts/many-machines.json. About two minutes.
"""

import importlib.util
import io
import json
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from PIL import Image

from tests.deploy.machines import (
    BEAT_LOCK_SECONDS,
    BEAT_READY,
    FLUSH_SECONDS,
    SWEEP_SECONDS,
    Browser,
    Stack,
    errors_on,
    many_machines,
    png,
    wait_for,
)
from tests.deploy.servers import ROOT, command_line

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
HAS_S3_SERVER = all(importlib.util.find_spec(name) for name in ("moto", "flask", "boto3"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgres"),
        reason="DATABASE_URL is not PostgreSQL: nodes on many machines share a real server",
    ),
    pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: the nodes share Redis"),
    pytest.mark.skipif(
        not HAS_S3_SERVER,
        reason="moto[server] is not installed: the documents need an S3 server (pip install -e "
        "'.[dev]')",
    ),
]

# How long to wait for the workers, and how long to keep watching for a second copy.
DELIVERY_TIMEOUT = 60
QUIET_SECONDS = 2 * SWEEP_SECONDS + 1
BEAT_WINDOW_SECONDS = 20
CLICKS = 200
HEADS = 20
FIGURES: dict = {}
ARTIFACT = ROOT / "test-artifacts" / "many-machines.json"

PARTNER_CATEGORIES = [
    "shop-management",
    "live-management",
    "short-video-management",
    "creator-matchmaking",
]
# A cross-border partner (mainland China) serving two markets: eight applications.
PARTNER_REGION = "CN"
PARTNER_MARKETS = ["UK", "DE"]
ENTITY = {
    "legal_name": "Many Machines Ltd",
    "legal_name_english": "Many Machines Ltd",
    "legal_representative": "Ada Node",
    "registered_address": "2 Cluster Road, London",
    "registration_number": "MM-2026-UK",
    "certificate_validity": "permanent",
    "registered_on": "2019-01-15",
    "id_document_type": "passport",
    "contact_email": "ops@many-machines.example",
    "contact_phone": "+442071838750",
    "partner_name": "Many Machines",
    "description": "We run LIVE shows for sellers on every machine we have.",
    "website": "https://many-machines.example",
    "customer_count": "11-50",
    "sales_opportunities": "some",
    "ecommerce_platforms": "shopee",
}

# The documents the partner uploads: one plain colour each, so each can be recognised.
DOCUMENT_COLOURS = {
    "business_certificate": (200, 30, 60),
    "id_document": (30, 60, 200),
    "logo": (30, 200, 60),
}

# --- The stack --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _embedded_defaults():
    """Replaces the suite's per-test reset (tests/conftest.py): it clears the cache, and this
    process's cache is the Redis database the stack runs on — clearing it would take the
    queues, the click counts and the beat's lock from under the running stack. Nothing here
    runs in this process's Django: the stack's processes do the work."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with many_machines(tmp_path_factory.mktemp("many-machines"), redis_url=REDIS_URL) as stack:
        yield stack
        report(stack)


def report(stack: Stack) -> None:
    FIGURES["requests_per_node"] = {
        node: len(re.findall(r'"(?:GET|POST|HEAD) /', stack.log(f"web-{node}")))
        for node in stack.nodes
    }
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(FIGURES, indent=2) + "\n")
    print("\nMany machines, rehearsed:\n" + json.dumps(FIGURES, indent=2))


def notification_ids(stack: Stack, user_id: int) -> set[int]:
    rows = stack.sql("SELECT id FROM onboarding_notification WHERE user_id = %s", user_id)
    return {row[0] for row in rows}


def sent_copies(stack: Stack, ids: set[int]) -> dict[int, int]:
    """How many messages the relay accepted for each notification (its Message-ID)."""
    seen = stack.sink.message_ids()
    return {pk: seen.count(f"<notification-{pk}@partner-center>") for pk in ids}


def all_sent_once(stack: Stack, ids: set[int]) -> dict[int, int]:
    """Wait until every notification reached the relay; then a little longer, so a second
    copy (a sweep, a redelivered task) would have time to arrive too."""
    wait_for(
        lambda: all(sent_copies(stack, ids).values()),
        timeout=DELIVERY_TIMEOUT,
        what=f"the emails of notifications {sorted(ids)}",
    )
    time.sleep(QUIET_SECONDS)
    return sent_copies(stack, ids)


# --- The journey ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def partner(stack):
    browser = Browser(stack)
    login = stack.seed["partner"]
    signed_in = browser.post(
        "A", "/account/login/", {"login": login["email"], "password": login["password"]}
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    (browser.user_id,) = stack.sql("SELECT id FROM accounts_user WHERE email = %s", login["email"])[
        0
    ]
    return browser


@pytest.fixture(scope="module")
def reviewer(stack):
    browser = Browser(stack)
    login = stack.seed["reviewer"]
    signed_in = browser.post(
        "B",
        "/admin/login/",
        {"username": login["email"], "password": login["password"], "next": "/admin/"},
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    return browser


@pytest.fixture(scope="module")
def submitted(stack, partner):
    """On node A: Get Started with four categories in two markets, then the application form
    with its documents, submitted. The applications' ids, pending review."""
    ids = dict(stack.sql("SELECT code, id FROM categories_market"))
    categories = dict(stack.sql("SELECT code, id FROM categories_servicecategory"))
    (region,) = stack.sql("SELECT id FROM categories_region WHERE code = %s", PARTNER_REGION)[0]
    chosen = partner.post(
        "A",
        "/onboarding/get-started/?type=tsp",
        {
            "region": region,
            "markets": [ids[code] for code in PARTNER_MARKETS],
            "categories": [categories[code] for code in PARTNER_CATEGORIES],
        },
    )
    assert chosen.status_code == 302, errors_on(chosen.text)
    batch_page = chosen.headers["Location"]
    form = {f"entity-{name}": value for name, value in ENTITY.items()}
    for code in PARTNER_CATEGORIES:
        form[f"cat-{categories[code]}-service_plan"] = "Weekly LIVE shows, two managers."
        form[f"cat-{categories[code]}-team_size"] = "6"
    documents = {
        f"entity-{field}": (f"{field}.png", png(colour), "image/png")
        for field, colour in DOCUMENT_COLOURS.items()
    }
    done = partner.post("A", batch_page, {"action": "submit", **form}, files=documents)
    assert done.status_code == 302, errors_on(done.text)
    rows = stack.sql(
        "SELECT id FROM onboarding_application WHERE user_id = %s AND state = 'pending_review' "
        "ORDER BY id",
        partner.user_id,
    )
    assert len(rows) == len(PARTNER_CATEGORIES) * len(PARTNER_MARKETS)
    return [row[0] for row in rows]


def test_documents_uploaded_on_node_a_are_served_by_node_b(stack, partner, reviewer, submitted):
    # given: the documents the partner uploaded through node A's form
    columns = ", ".join(DOCUMENT_COLOURS)
    query = f"SELECT {columns} FROM onboarding_companyentity WHERE user_id = %s"  # noqa: S608
    (names,) = stack.sql(query, partner.user_id)
    assert all(names), names
    admin_page = reviewer.get("B", f"/admin/onboarding/application/{submitted[0]}/change/")
    assert admin_page.status_code == 200

    # when: the partner opens each on node A, the reviewer on node B
    served = {}
    for name in names:
        path = f"/onboarding/documents/{name}"
        assert path in admin_page.text, f"the review page on node B links {path}"
        for node, browser in (("A", partner), ("B", reviewer)):
            response = browser.get(node, path)
            served[node, name] = response

    # then: each answer is a redirect to a presigned URL of the bucket, the same bytes
    for (node, name), response in served.items():
        assert response.status_code == 302, (
            f"node {node} answered {response.status_code} for {name}, uploaded on node A "
            "(documents on a node's own disk are not on the other node)"
        )
        location = response.headers["Location"]
        assert location.startswith(f"{stack.s3_url}/"), location
        assert "Signature" in location or "X-Amz-Signature" in location, location
    contents = {}
    for (node, name), response in served.items():
        fetched = requests.get(response.headers["Location"], timeout=30)
        assert fetched.status_code == 200, (node, name, fetched.status_code)
        contents[node, name] = fetched.content
        assert fetched.content.startswith(b"\x89PNG"), (node, name)
    for name, colour in zip(names, DOCUMENT_COLOURS.values(), strict=True):
        assert contents["A", name] == contents["B", name]
        # the partner's own image (re-encoded on upload, EXIF removed: the same pixels)
        assert Image.open(io.BytesIO(contents["B", name])).convert("RGB").getcolors() == [
            (96 * 64, colour)
        ]
    # and an anonymous visitor is sent to the login page, not to the bucket
    anonymous = Browser(stack).get("B", f"/onboarding/documents/{names[0]}")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/account/login/")
    FIGURES["documents"] = {
        "uploaded_on": "A",
        "served_on_A": sum(1 for node, _name in served if node == "A"),
        "served_on_B": sum(1 for node, _name in served if node == "B"),
        "same_bytes_on_both_nodes": True,
        "answer": "302 to a presigned URL of the bucket",
    }


def test_a_decision_on_node_b_sends_one_email_and_one_notification(
    stack, partner, reviewer, submitted
):
    # given
    before = notification_ids(stack, partner.user_id)
    application = submitted[0]

    # when: the reviewer approves on node B
    change = f"/admin/onboarding/application/{application}/change/"
    approve = f"/admin/onboarding/application/{application}/approve/"
    decided = reviewer.post("B", approve, {}, page=change)
    assert decided.status_code == 302

    # then: one inbox row, one email, whichever worker sent it
    new = notification_ids(stack, partner.user_id) - before
    assert len(new) == 1, new
    copies = all_sent_once(stack, new)
    assert list(copies.values()) == [1], copies
    (state,) = stack.sql("SELECT state FROM onboarding_application WHERE id = %s", application)[0]
    assert state == "approved"
    # and the partner reads it on node B's inbox too
    inbox = partner.get("B", "/onboarding/notifications/", allow_redirects=True)
    assert inbox.status_code == 200
    FIGURES["one_decision"] = {"notifications": len(new), "emails": sum(copies.values())}


def test_referral_clicks_spread_over_both_nodes_are_counted_exactly(stack):
    # given: the demo's published shop registration link, counted in Redis by both nodes
    token = stack.seed["shop_registration"]["local_url"].rsplit("/r/", 1)[1]
    (before,) = stack.sql("SELECT clicks FROM referrals_referrallink WHERE token = %s", token)[0]

    def by_day() -> int:
        (total,) = stack.sql(
            "SELECT COALESCE(SUM(d.count), 0) FROM referrals_dailyclicks d "
            "JOIN referrals_referrallink l ON l.id = d.link_id WHERE l.token = %s",
            token,
        )[0]
        return int(total)

    daily_before = by_day()

    def click(i: int) -> requests.Response:
        node = "AB"[i % 2]
        return requests.get(f"{stack.nodes[node]}/r/{token}", allow_redirects=False, timeout=30)

    def peek(i: int) -> requests.Response:
        node = "AB"[i % 2]
        return requests.head(f"{stack.nodes[node]}/r/{token}", allow_redirects=False, timeout=30)

    # when: GETs alternate between the nodes, eight at a time, with HEADs among them
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(click, range(CLICKS)))
        heads = list(pool.map(peek, range(HEADS)))

    # then: every GET was a redirect; once flushed, the database holds exactly as many
    assert [a.status_code for a in answers] == [302] * CLICKS
    assert [h.status_code for h in heads] == [302] * HEADS

    def stored() -> int:
        query = "SELECT clicks FROM referrals_referrallink WHERE token = %s"
        return stack.sql(query, token)[0][0] - before

    wait_for(lambda: stored() >= CLICKS, timeout=30, what=f"{CLICKS} clicks in the database")
    time.sleep(2 * FLUSH_SECONDS + 1)  # a flush run twice must not count a batch twice
    daily = by_day()
    FIGURES["clicks"] = {
        "gets_sent": CLICKS,
        "gets_per_node": {"A": CLICKS // 2, "B": CLICKS - CLICKS // 2},
        "heads_sent": HEADS,
        "stored": stored(),
        "stored_by_day": daily - daily_before,
    }
    assert stored() == CLICKS
    assert daily - daily_before == CLICKS


def task_ids(log: str, task: str, event: str) -> set[str]:
    pattern = rf"Task {re.escape(task)}\[([0-9a-f-]+)\] {event}"
    return set(re.findall(pattern, log))


def test_a_worker_killed_with_decisions_in_flight_loses_no_email(
    stack, partner, reviewer, submitted
):
    # given: the applications still pending, approved together by the reviewer on node B
    pending = [
        pk
        for (pk,) in stack.sql(
            "SELECT id FROM onboarding_application WHERE user_id = %s "
            "AND state = 'pending_review' ORDER BY id",
            partner.user_id,
        )
    ]
    assert len(pending) >= 4, pending
    before = notification_ids(stack, partner.user_id)
    started = time.monotonic()
    bulk = reviewer.post(
        "B",
        "/admin/onboarding/application/",
        {"action": "approve_selected", "_selected_action": pending, "index": "0"},
    )
    assert bulk.status_code == 302, bulk.text[:2000]
    new = notification_ids(stack, partner.user_id) - before
    assert len(new) == len(pending)

    # when: worker w1 is killed (SIGKILL, the whole process group) while it holds a delivery
    deliver = "notifications.deliver_notification"
    in_flight = wait_for(
        lambda: (
            task_ids(stack.log("w1"), deliver, "received")
            - task_ids(stack.log("w1"), deliver, "succeeded")
        ),
        timeout=20,
        what="worker w1 to take one of the deliveries",
    )
    os.killpg(stack.processes["w1"].pid, signal.SIGKILL)
    stack.processes["w1"].wait(timeout=10)
    emails_at_kill = sum(sent_copies(stack, new).values())

    # then: the other worker (the sweep taking over the dead worker's claims) sends the rest;
    # every decision's email arrives exactly once
    copies = all_sent_once(stack, new)
    delivered_after = time.monotonic() - started - QUIET_SECONDS
    unsent = stack.sql(
        "SELECT count(*) FROM onboarding_notification WHERE user_id = %s AND email_sent_at IS NULL",
        partner.user_id,
    )[0][0]
    FIGURES["worker_killed"] = {
        "decisions_in_flight": len(pending),
        "deliveries_held_by_killed_worker": len(in_flight),
        "emails_before_kill": emails_at_kill,
        "emails_delivered": sum(1 for n in copies.values() if n),
        "duplicates": sum(n - 1 for n in copies.values() if n > 1),
        "seconds_until_all_delivered": round(delivered_after, 1),
    }
    FIGURES["notifications_per_decision"] = {
        "decisions": len(new) + 1,
        "inbox_rows": len(notification_ids(stack, partner.user_id) - before) + 1,
        "emails_per_decision": sorted(set(copies.values())),
    }
    assert set(copies.values()) == {1}, copies
    assert unsent == 0


def sends(log: str, entry: str) -> int:
    return log.count(f"Sending due task {entry} ")


def test_a_second_beat_on_another_node_does_not_double_the_sweeps(stack):
    # given: the stack's beat, and a second one started on "another node" (its own VAR_DIR)
    stack.start("beat2", command_line("beat"), ready=BEAT_READY)
    time.sleep(SWEEP_SECONDS)  # both settled: a beat that waits for the lock is waiting now

    # when: both run for a while
    logs = ("beat1", "beat2")
    start = {name: sends(stack.log(name), "notifications-sweep") for name in logs}
    time.sleep(BEAT_WINDOW_SECONDS)
    end = {name: sends(stack.log(name), "notifications-sweep") for name in logs}

    # then: the sweep is sent once per interval for the whole stack, not once per beat
    by_beat = {name: end[name] - start[name] for name in logs}
    total = sum(by_beat.values())
    once = BEAT_WINDOW_SECONDS / SWEEP_SECONDS
    FIGURES["two_beats"] = {
        "window_seconds": BEAT_WINDOW_SECONDS,
        "sweep_interval_seconds": SWEEP_SECONDS,
        "sweeps_sent": total,
        "sweeps_by_beat": by_beat,
        "sweeps_per_minute": round(total * 60 / BEAT_WINDOW_SECONDS, 1),
        "expected_per_minute_with_one_beat": round(60 / SWEEP_SECONDS, 1),
    }
    assert total >= once / 2, f"the sweep ran {total} times in {BEAT_WINDOW_SECONDS} s"
    assert total <= once + 1, (
        f"two beats sent the sweep {total} times in {BEAT_WINDOW_SECONDS} s ({by_beat}), "
        f"once every {SWEEP_SECONDS} s is {once:.0f}: each beat runs its own schedule. Only "
        "one beat may send (a lock both beats share, e.g. celery-redbeat's in Redis)."
    )

    # when: the beat that sends dies (SIGKILL: it cannot hand the lock over)
    holder, waiting = sorted(logs, key=lambda name: by_beat[name], reverse=True)
    assert by_beat[waiting] == 0, by_beat
    os.killpg(stack.processes[holder].pid, signal.SIGKILL)
    stack.processes[holder].wait(timeout=10)
    killed_at = time.monotonic()
    before = sends(stack.log(waiting), "notifications-sweep")

    # then: the other beat takes the lock over once it expires, and sends from then on
    wait_for(
        lambda: sends(stack.log(waiting), "notifications-sweep") > before,
        timeout=BEAT_LOCK_SECONDS + 3 * SWEEP_SECONDS + 10,
        what=f"{waiting} to take over the schedule from {holder}",
    )
    FIGURES["two_beats"]["seconds_until_the_other_beat_took_over"] = round(
        time.monotonic() - killed_at, 1
    )
    FIGURES["two_beats"]["beat_lock_timeout_seconds"] = BEAT_LOCK_SECONDS
