import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccountEvent, AppendOnly, User
from accounts.security_log import GROUPS
from tests.conftest import PASSWORD, make_member, make_user, requires_postgres

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


# --- Append-only ---------------------------------------------------------------------


def test_the_orm_refuses_to_update_or_delete_events(alice):
    event = record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)

    with pytest.raises(AppendOnly):
        AccountEvent.objects.filter(pk=event.pk).update(ip="192.0.2.1")
    with pytest.raises(AppendOnly):
        alice.account_events.all().delete()
    assert AccountEvent.objects.get(pk=event.pk).ip is None


@pytest.mark.parametrize(
    "change",
    [
        {"event_type": Type.SIGNED_UP},
        {"ip": "192.0.2.1"},
        {"details": {"via": "forged"}},
        {"target": "something else"},
        {"created_at": datetime(2020, 1, 1, tzinfo=UTC)},
    ],
)
def test_the_database_refuses_to_change_an_event(alice, change):
    # given
    event = record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)

    # when an edit goes around the ORM's guard (the base manager, a saved instance)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AccountEvent._base_manager.filter(pk=event.pk).update(**change)
    for field, value in change.items():
        setattr(event, field, value)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        event.save()

    # then
    assert AccountEvent.objects.get(pk=event.pk).event_type == Type.PASSWORD_CHANGED


def test_the_database_refuses_raw_sql_changes_and_a_new_actor(alice, bob):
    event = record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)

    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE accounts_accountevent SET event_type = 'signed_up'")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AccountEvent._base_manager.filter(pk=event.pk).update(acting_user=bob)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AccountEvent._base_manager.filter(pk=event.pk).update(user=bob)

    assert list(bob.account_events.all()) == []


def test_deleting_a_staff_user_who_acted_keeps_the_event(alice):
    # given
    ops = make_user(email="ops@example.com", is_staff=True)
    alice.blacklist(by=ops, reason="fraud")

    # when
    ops.delete()

    # then the event stays, done by nobody it can name
    event = alice.account_events.get()
    assert event.acting_user is None
    assert (event.event_type, event.details) == (Type.BLACKLIST_SET, {"reason": "fraud"})


def test_deleting_a_member_keeps_the_events_about_them(alice):
    member = make_member(account=alice, email="mia@example.com")
    record(Type.MEMBER_REMOVED, user=alice, acting_user=alice, target_user=member)

    member.delete()

    event = alice.account_events.get()
    assert (event.acting_user, event.target_user) == (alice, None)


def test_erasing_an_account_erases_its_log(alice, bob):
    # given
    record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)
    record(Type.PASSWORD_CHANGED, user=bob, acting_user=bob)

    # when
    alice.delete()
    connection.check_constraints()  # what the commit checks (PostgreSQL's deferred trigger)

    # then
    assert list(AccountEvent.objects.values_list("user__email", flat=True)) == [bob.email]


@requires_postgres()
def test_postgresql_refuses_to_delete_an_event_of_a_live_account(alice):
    # given
    event = record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)

    # when the delete goes around the ORM's guard, the commit refuses it
    with transaction.atomic():
        AccountEvent._base_manager.filter(pk=event.pk).delete()
        with pytest.raises(IntegrityError, match="append-only"):
            connection.check_constraints()
        transaction.set_rollback(True)

    # then
    assert AccountEvent.objects.filter(pk=event.pk).exists()


@requires_postgres()
def test_postgresql_refuses_to_clear_who_acted_while_they_exist(alice, rita):
    event = record(Type.BLACKLIST_SET, user=alice, acting_user=rita)

    with transaction.atomic():
        AccountEvent._base_manager.filter(pk=event.pk).update(acting_user=None)
        with pytest.raises(IntegrityError, match="append-only"):
            connection.check_constraints()
        transaction.set_rollback(True)

    assert AccountEvent.objects.get(pk=event.pk).acting_user == rita


@requires_postgres()
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_at_commit_a_deleted_event_but_not_an_erased_account():
    # given
    alice = make_user(email="alice@example.com")
    event = record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)

    # when
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM accounts_accountevent WHERE id = %s", [event.pk])
    with transaction.atomic():
        alice.delete()

    # then
    assert not AccountEvent.objects.exists()


# --- Admin -------------------------------------------------------------------------


def test_staff_read_the_log_in_the_admin_but_cannot_change_it(admin_client, alice, rita):
    # given
    alice.blacklist(by=rita, reason="three rejections", ip=IP)
    event = alice.account_events.get()
    url = f"/admin/accounts/accountevent/{event.pk}/change/"

    # when
    listing = admin_client.get("/admin/accounts/accountevent/", {"q": "alice@example"})
    detail = admin_client.get(url)
    post = admin_client.post(url, {"ip": "192.0.2.1", "event_type": Type.SIGNED_UP})

    # then
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [event]
    assert "/admin/accounts/accountevent/add/" not in listing.text
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.text
    assert "/delete/" not in detail.text
    assert "&quot;reason&quot;: &quot;three rejections&quot;" in detail.text
    assert post.status_code == 403
    assert AccountEvent.objects.get(pk=event.pk).ip == IP


def test_staff_changing_a_login_email_in_the_admin_is_recorded(admin_client, admin_user, alice):
    # given
    page = admin_client.get(f"/admin/accounts/user/{alice.pk}/change/")
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        {
            "email": "alice.new@example.com",
            "phone": "",
            "account_events-TOTAL_FORMS": "0",
            "account_events-INITIAL_FORMS": "0",
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("active_role", None)

    # when
    response = admin_client.post(f"/admin/accounts/user/{alice.pk}/change/", data, REMOTE_ADDR=IP)

    # then
    assert response.status_code == 302
    event = alice.account_events.get()
    assert event.event_type == Type.LOGIN_EMAIL_CHANGED
    assert (event.acting_user, event.ip) == (admin_user, IP)
    assert event.details == {"old": "alice@example.com", "new": "alice.new@example.com"}


def test_staff_setting_a_password_in_the_admin_is_recorded(admin_client, admin_user, alice):
    url = f"/admin/accounts/user/{alice.pk}/password/"

    admin_client.post(url, {"password1": "short", "password2": "other"})  # refused
    response = admin_client.post(
        url,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        REMOTE_ADDR=IP,
    )

    assert response.status_code == 302
    event = alice.account_events.get()
    assert (event.event_type, event.acting_user) == (Type.PASSWORD_CHANGED, admin_user)
    assert event.details == {"via": "admin"}


def test_the_admin_lists_filters_by_event_type_and_date(admin_client, alice):
    record(Type.PASSWORD_CHANGED, user=alice, acting_user=alice)
    record(Type.SIGNED_UP, user=alice, acting_user=alice)

    response = admin_client.get(
        "/admin/accounts/accountevent/", {"event_type__exact": Type.SIGNED_UP}
    )

    assert [e.event_type for e in response.context["cl"].result_list] == [Type.SIGNED_UP]
    filters = [spec.title for spec in response.context["cl"].filter_specs]
    assert len(filters) == 2  # event and date
