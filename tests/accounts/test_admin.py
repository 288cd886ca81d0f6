from django.contrib.auth.models import Permission

from accounts.models import AccountEvent
from tests.conftest import make_user


def _ops(client):
    ops = make_user(email="ops@example.com", is_staff=True)
    ops.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    client.force_login(ops)
    return ops


def test_staff_can_lift_a_blacklist_in_admin(client, alice, db):
    # given a blacklisted partner and an ops user who may change accounts
    alice.blacklist(by=None, reason="three security review rejections")
    ops = _ops(client)

    # when
    response = client.post(
        "/admin/accounts/user/",
        {
            "action": "lift_blacklist_selected",
            "_selected_action": [alice.pk],
            "reason": "appeal upheld",
            "apply": "1",
        },
    )

    # then
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_blacklisted
    event = alice.account_events.get(event_type=AccountEvent.Type.BLACKLIST_LIFTED)
    assert event.acting_user == ops
    assert event.details["reason"] == "appeal upheld"
    assert event.details["blacklist_reason"] == "three security review rejections"


def test_lifting_a_blacklist_in_admin_asks_a_reason(client, alice, db):
    alice.blacklist(by=None, reason="three security review rejections")
    _ops(client)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "lift_blacklist_selected", "_selected_action": [alice.pk], "apply": "1"},
    )

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.is_blacklisted


def test_staff_can_blacklist_in_admin_and_the_log_says_who(client, alice, db):
    ops = _ops(client)

    client.post(
        "/admin/accounts/user/",
        {
            "action": "blacklist_selected",
            "_selected_action": [alice.pk],
            "reason": "fraud report",
            "apply": "1",
        },
    )

    alice.refresh_from_db()
    assert alice.blacklist_reason == "fraud report"
    event = alice.account_events.get()
    assert (event.event_type, event.acting_user, event.details) == (
        AccountEvent.Type.BLACKLIST_SET,
        ops,
        {"reason": "fraud report"},
    )


def test_the_blacklist_fields_cannot_be_edited_by_hand(client, alice, db):
    alice.blacklist(by=None, reason="three security review rejections")
    _ops(client)

    page = client.get(f"/admin/accounts/user/{alice.pk}/change/")

    form = page.context["adminform"].form
    assert "blacklisted_at" not in form.fields
    assert "blacklist_reason" not in form.fields


def test_account_events_cannot_be_changed_or_deleted_in_admin(admin_client, alice):
    alice.blacklist(by=None, reason="three security review rejections")
    event = alice.account_events.get()

    assert admin_client.post(f"/admin/accounts/accountevent/{event.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/accounts/accountevent/add/").status_code == 403
    assert AccountEvent.objects.filter(pk=event.pk).exists()
