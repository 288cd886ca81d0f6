"""SPEC §8.5: the security log is append-only on every way in (the ORM, raw SQL, the admin);
only erasing an account removes its log. Staff read it, and their own changes land in it."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import AccountEvent, AppendOnly
from tests.conftest import make_member, make_user, requires_postgres

Type = AccountEvent.Type
NEW_PASSWORD = "Brand-new-pass-2026"
IP = "203.0.113.7"


def record(event_type, *, user, acting_user=None, **extra):
    return AccountEvent.record(event_type, user=user, acting_user=acting_user, **extra)


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
