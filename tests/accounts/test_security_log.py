"""SPEC §8.5: what the security log records, and My Account › Security log."""

import re
from datetime import UTC, datetime

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccountEvent, User
from accounts.security_log import GROUPS, detail_items
from tests.conftest import PASSWORD, make_member

Type = AccountEvent.Type
LOG_URL = "/my-account/security-log/"
NEW_PASSWORD = "Brand-new-pass-2026"
IP = "203.0.113.7"


def request_code(client, what):
    client.post(
        reverse("accounts:change", kwargs={"what": what}),
        {"action": "send", "channel": "email"},
        REMOTE_ADDR=IP,
    )
    return re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)


def confirm(client, what, **data):
    return client.post(
        reverse("accounts:change", kwargs={"what": what}),
        {"action": "confirm", **data},
        REMOTE_ADDR=IP,
    )


def record(event_type, *, user, acting_user=None, **extra):
    return AccountEvent.record(event_type, user=user, acting_user=acting_user, **extra)


def record_at(event_type, *, user, at, acting_user=None, **extra):
    """A row as if written at `at` (the log's clock is the row's default)."""
    return AccountEvent.objects.create(
        event_type=event_type,
        user=user.holder,
        acting_user=acting_user,
        created_at=at,
        **extra,
    )


def page_events(response) -> list[AccountEvent]:
    return [event for event, _actor, _details in response.context["rows"]]


# --- What is recorded ------------------------------------------------------------------


def test_signing_up_records_the_account_and_where_from(client, db):
    # when
    client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR=IP,
    )

    # then
    user = User.objects.get(email="new@example.com")
    event = user.account_events.get()
    assert event.event_type == Type.SIGNED_UP
    assert event.acting_user == user
    assert event.ip == IP
    assert event.details == {"email": "new@example.com", "center": user.center}
    assert ("Partner Center", "Global Partner Center") in detail_items(event)


def test_signing_up_with_a_taken_email_records_nothing(client, alice):
    client.post(
        reverse("account_signup"),
        {"email": alice.email, "password1": PASSWORD, "password2": PASSWORD},
    )

    assert not AccountEvent.objects.exists()


def test_changing_the_login_email_records_the_old_and_new_address(alice_client, alice):
    # given
    code = request_code(alice_client, "email")

    # when
    confirm(alice_client, "email", new_email="alice.new@example.com", code=code)

    # then
    event = alice.account_events.get()
    assert event.event_type == Type.LOGIN_EMAIL_CHANGED
    assert (event.acting_user, event.ip) == (alice, IP)
    assert event.details == {"old": "alice@example.com", "new": "alice.new@example.com"}


def test_changing_the_phone_records_the_old_and_new_number(alice_client, alice):
    # given
    alice.phone = "+14155550123"
    alice.save(update_fields=["phone"])
    code = request_code(alice_client, "phone")

    # when
    confirm(alice_client, "phone", new_phone="+14155550199", code=code)

    # then
    event = alice.account_events.get()
    assert event.event_type == Type.PHONE_CHANGED
    assert (event.acting_user, event.ip) == (alice, IP)
    assert event.details == {"old": "+14155550123", "new": "+14155550199"}


def test_a_wrong_code_changes_nothing_and_records_nothing(alice_client, alice):
    code = request_code(alice_client, "phone")

    confirm(alice_client, "phone", new_phone="+14155550199", code=f"{(int(code) + 1) % 10**6:06d}")

    assert not alice.account_events.exists()


def test_changing_the_password_records_it_but_never_the_password(alice_client, alice):
    # given
    code = request_code(alice_client, "password")

    # when
    confirm(
        alice_client,
        "password",
        new_password1=NEW_PASSWORD,
        new_password2=NEW_PASSWORD,
        code=code,
    )

    # then
    event = alice.account_events.get()
    assert event.event_type == Type.PASSWORD_CHANGED
    assert (event.acting_user, event.ip) == (alice, IP)
    assert event.details == {"via": "code"}
    assert NEW_PASSWORD not in str(event.details)


def test_resetting_the_password_by_link_records_it(client, alice):
    # given
    client.post(reverse("account_reset_password"), {"email": alice.email})
    link = re.search(r"https?://[^/\s]+(/account/password/reset/key/\S+/)", mail.outbox[-1].body)
    form_url = client.get(link.group(1), REMOTE_ADDR=IP).url

    # when
    response = client.post(
        form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, REMOTE_ADDR=IP
    )

    # then
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    event = alice.account_events.get()
    assert event.event_type == Type.PASSWORD_CHANGED
    assert (event.acting_user, event.ip) == (alice, IP)
    assert event.details == {"via": "reset"}


def test_the_client_address_behind_a_trusted_proxy_is_recorded(alice_client, alice, settings):
    # given one reverse proxy that appends the client's address
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    code = request_code(alice_client, "email")

    # when
    alice_client.post(
        reverse("accounts:change", kwargs={"what": "email"}),
        {"action": "confirm", "new_email": "alice.new@example.com", "code": code},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )

    # then
    assert alice.account_events.get().ip == "198.51.100.23"


def test_a_members_change_is_filed_under_the_account(client, alice):
    # given
    member = make_member(account=alice, email="mia@example.com", role="viewer")
    client.force_login(member)
    code = request_code(client, "password")

    # when
    confirm(client, "password", new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD, code=code)

    # then
    event = alice.account_events.get()
    assert (event.event_type, event.acting_user) == (Type.PASSWORD_CHANGED, member)


def test_every_event_type_is_in_exactly_one_filter_group():
    grouped = [event_type for _label, types in GROUPS for event_type in types]

    assert sorted(grouped) == sorted(Type)


# --- My Account › Security log ---------------------------------------------------------


def test_the_log_lists_the_accounts_events_newest_first_in_words(alice_client, alice, rita):
    # given
    member = make_member(account=alice, email="mia@example.com")
    record_at(Type.SIGNED_UP, user=alice, acting_user=alice, at=datetime(2026, 1, 1, tzinfo=UTC))
    record_at(
        Type.MEMBER_INVITED,
        user=alice,
        acting_user=member,
        target="new.person@example.com",
        at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    record_at(
        Type.BLACKLIST_SET,
        user=alice,
        acting_user=rita,
        ip=IP,
        details={"reason": "three rejections"},
        at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    record_at(Type.APPEAL_FILED, user=alice, at=datetime(2026, 3, 2, tzinfo=UTC))

    # when
    response = alice_client.get(LOG_URL)

    # then
    assert response.status_code == 200
    assert [e.event_type for e in page_events(response)] == [
        Type.APPEAL_FILED,
        Type.BLACKLIST_SET,
        Type.MEMBER_INVITED,
        Type.SIGNED_UP,
    ]
    actors = [actor for _event, actor, _details in response.context["rows"]]
    assert actors == ["System", "Partner Center staff", "mia@example.com", "alice@example.com"]
    text = response.text
    assert "Blacklist set" in text
    assert "new.person@example.com" in text
    assert IP in text
    assert re.search(r"reason:</span>\s*three rejections", text)
    assert "rita@example.com" not in text  # staff are not named to partners
    assert "{&quot;" not in text  # no raw JSON
    assert '{"reason"' not in text


def test_nested_details_read_as_words(alice_client, alice):
    record(
        Type.ROLE_EDITED,
        user=alice,
        acting_user=alice,
        target="Ops",
        details={"permissions": {"apps": 2, "secrets": 0}, "modules": ["apps", "team"]},
    )

    response = alice_client.get(LOG_URL)

    [(_event, _actor, details)] = response.context["rows"]
    assert details == [("modules", "apps, team"), ("permissions", "apps: 2, secrets: 0")]


def test_the_log_shows_only_the_accounts_own_events(alice_client, alice, bob):
    # given
    record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)
    record(Type.SECRET_REVEALED, user=bob, acting_user=bob, target="Bob's app")

    # when
    response = alice_client.get(LOG_URL)
    by_bob = alice_client.get(LOG_URL, {"actor": bob.pk})

    # then
    assert [e.event_type for e in page_events(response)] == [Type.PASSWORD_CHANGED]
    assert "Bob&#x27;s app" not in response.text
    assert "bob@example.com" not in response.text
    assert by_bob.context["form"].errors  # bob is not someone of alice's account
    assert "Bob&#x27;s app" not in by_bob.text


def test_the_log_filters_by_event_type(alice_client, alice):
    record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)
    record(Type.SECRET_ROTATED, user=alice, acting_user=alice)

    response = alice_client.get(LOG_URL, {"event_type": Type.SECRET_ROTATED})

    assert [e.event_type for e in page_events(response)] == [Type.SECRET_ROTATED]


def test_the_log_filters_by_who_did_it(alice_client, alice, rita):
    # given
    member = make_member(account=alice, email="mia@example.com")
    record(Type.ROLE_CREATED, user=alice, acting_user=member)
    record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)
    record(Type.BLACKLIST_SET, user=alice, acting_user=rita)
    record(Type.APPEAL_UPHELD, user=alice, acting_user=None)

    # when
    def types(actor):
        return [e.event_type for e in page_events(alice_client.get(LOG_URL, {"actor": actor}))]

    # then
    assert types(member.pk) == [Type.ROLE_CREATED]
    assert types(alice.pk) == [Type.PASSWORD_CHANGED]
    assert types("staff") == [Type.BLACKLIST_SET]
    assert types("system") == [Type.APPEAL_UPHELD]


def test_the_log_filters_by_dates_both_days_included(alice_client, alice):
    # given
    for day in (1, 2, 3, 4):
        record_at(
            Type.PASSWORD_CHANGED,
            user=alice,
            acting_user=alice,
            target=f"day {day}",
            at=datetime(2026, 5, day, 12, tzinfo=UTC),
        )

    # when
    response = alice_client.get(LOG_URL, {"since": "2026-05-02", "until": "2026-05-03"})

    # then
    assert [e.target for e in page_events(response)] == ["day 3", "day 2"]


def test_a_start_date_after_the_end_date_is_explained(alice_client, alice):
    response = alice_client.get(LOG_URL, {"since": "2026-05-03", "until": "2026-05-02"})

    assert "The start date is after the end date." in response.text


def test_the_log_is_paginated_by_fifty(alice_client, alice):
    AccountEvent.objects.bulk_create(
        AccountEvent(event_type=Type.SECRET_REVEALED, user=alice, target=f"app {n}")
        for n in range(55)
    )

    first = alice_client.get(LOG_URL)
    second = alice_client.get(LOG_URL, {"page": 2, "event_type": Type.SECRET_REVEALED})

    assert len(page_events(first)) == 50
    assert len(page_events(second)) == 5
    assert "page=2" in first.text
    assert "event_type=secret_revealed" in second.text  # the filters are kept across pages


def test_the_logs_queries_do_not_grow_with_its_events_or_people(alice_client, alice, rita):
    # given
    def add(n):
        member = make_member(account=alice, email=f"member{n}@example.com")
        for acting in (alice, member, rita, None):
            record(Type.ROLE_EDITED, user=alice, acting_user=acting, target_user=member)

    add(1)
    alice_client.get(LOG_URL)  # warm the shell's caches
    with CaptureQueriesContext(connection) as few:
        alice_client.get(LOG_URL)
    for n in range(2, 8):
        add(n)

    # when
    with CaptureQueriesContext(connection) as many:
        response = alice_client.get(LOG_URL)

    # then
    assert len(page_events(response)) == 28
    assert len(many.captured_queries) == len(few.captured_queries)
    log_queries = [q for q in many.captured_queries if "accounts_accountevent" in q["sql"]]
    assert len(log_queries) == 2  # the count and the page, with its people joined


def test_a_team_member_cannot_read_the_log(client, alice):
    member = make_member(account=alice, email="mia@example.com", role="administrator")
    client.force_login(member)

    response = client.get(LOG_URL)

    assert response.status_code == 403
    assert "Only the main account of your team can read its security log." in response.text


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(LOG_URL)

    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_the_log_is_linked_from_my_account(alice_client, alice):
    response = alice_client.get(LOG_URL)

    assert f'href="{LOG_URL}" aria-current="page"' in response.text
