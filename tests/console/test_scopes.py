"""An app's scopes page: ticking open scopes, requesting restricted ones with a reason,
staff deciding in admin, and who may see or change what."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from accounts.models import AccountEvent
from notifications.models import Notification
from open_api import scopes
from open_api.models import AppScope
from tests.conftest import make_member, make_user

REASON = "We print packing slips for the seller's orders every morning."
ORDERS = "seller.order.info"


def page_url(app):
    return reverse("console:scopes", args=[app.pk])


def request_url(app, key=ORDERS):
    return reverse("console:scope-request", args=[app.pk, key])


def events(account):
    return list(
        AccountEvent.objects.filter(user=account)
        .order_by("pk")
        .values_list("event_type", flat=True)
    )


@pytest.fixture
def requested(alice_app):
    return scopes.request_scope(
        app_id=alice_app.pk, by=alice_app.owner, scope_key=ORDERS, reason=REASON
    )


@pytest.fixture
def decider(db):
    """Staff with the right to decide scope requests (and to see them)."""
    user = make_user(email="dora@example.com", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="decide_scope"),
        Permission.objects.get(codename="view_appscope"),
        Permission.objects.get(codename="change_appscope"),
    )
    return user


def test_the_page_lists_the_catalog_with_what_the_app_holds(client, alice, alice_app):
    # given
    client.force_login(alice)

    # when
    response = client.get(page_url(alice_app))

    # then
    assert response.status_code == 200
    page = response.text
    for key in ("seller.authorization.info", "seller.shop.info", ORDERS, "seller.product.basic"):
        assert key in page
    assert page.count("checked") == 1
    assert "getAuthorizedShops" in page


def test_ticking_open_scopes_grants_them_at_once_and_unticking_removes_them(
    client, alice, alice_app
):
    # given
    client.force_login(alice)

    # when
    response = client.post(
        page_url(alice_app), {"scopes": ["seller.shop.info", "seller.product.basic", ORDERS]}
    )

    # then: the open ones granted, the default unticked gone, the restricted one ignored
    assert response.status_code == 302
    assert AppScope.objects.granted_keys(alice_app.pk) == [
        "seller.shop.info",
        "seller.product.basic",
    ]
    assert not AppScope.objects.filter(app=alice_app, scope_id=ORDERS).exists()
    event = AccountEvent.objects.filter(user=alice).order_by("pk").last()
    assert event.event_type == AccountEvent.Type.APP_SCOPES_CHANGED
    assert event.details["removed"] == ["seller.authorization.info"]


def test_a_restricted_scope_needs_a_reason_of_some_length(client, alice, alice_app):
    # given
    client.force_login(alice)

    # when
    response = client.post(request_url(alice_app), {"reason": "Orders."})

    # then
    assert response.status_code == 400
    assert "at least" in response.text.lower()
    assert not AppScope.objects.filter(app=alice_app, scope_id=ORDERS).exists()


def test_requesting_a_restricted_scope_waits_for_the_reviewers(client, alice, alice_app):
    # given
    client.force_login(alice)

    # when
    response = client.post(request_url(alice_app), {"reason": REASON})

    # then
    assert response.status_code == 302
    row = AppScope.objects.get(app=alice_app, scope_id=ORDERS)
    assert (row.state, row.reason, row.requested_by) == ("requested", REASON, alice)
    assert ORDERS not in AppScope.objects.granted_keys(alice_app.pk)
    assert events(alice)[-1] == AccountEvent.Type.SCOPE_REQUESTED
    assert "Withdraw the request" in client.get(page_url(alice_app)).text


def test_an_open_scope_cannot_be_requested(client, alice, alice_app):
    # given
    client.force_login(alice)

    # when
    response = client.post(request_url(alice_app, "seller.shop.info"), {"reason": REASON})

    # then
    assert response.status_code == 404


def test_a_request_can_be_withdrawn(client, alice, alice_app, requested):
    # given
    client.force_login(alice)

    # when
    response = client.post(reverse("console:scope-withdraw", args=[alice_app.pk, ORDERS]))

    # then
    assert response.status_code == 302
    assert not AppScope.objects.filter(pk=requested.pk).exists()


def test_staff_approve_a_request_and_the_developer_is_told(
    client, alice, alice_app, requested, decider, django_capture_on_commit_callbacks
):
    # given
    client.force_login(decider)
    change = reverse("admin:open_api_appscope_change", args=[requested.pk])
    assert "Approve" in client.get(change).text

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:open_api_appscope_decide", args=[requested.pk]),
            {"decision": "approve", "note": "Fine for packing slips."},
        )

    # then
    assert response.status_code == 302
    requested.refresh_from_db()
    assert (requested.state, requested.decided_by) == ("granted", decider)
    assert ORDERS in AppScope.objects.granted_keys(alice_app.pk)
    notification = Notification.objects.get(user=alice, kind=Notification.Kind.SCOPE_APPROVED)
    assert ORDERS in notification.display_body
    assert mail.outbox[-1].to == [alice.email]
    assert "Fine for packing slips." in mail.outbox[-1].body
    assert events(alice)[-1] == AccountEvent.Type.SCOPE_APPROVED


def test_staff_reject_with_a_note_and_the_developer_may_ask_again(
    client, alice, alice_app, requested, decider, django_capture_on_commit_callbacks
):
    # given
    client.force_login(decider)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:open_api_appscope_decide", args=[requested.pk]),
            {"decision": "reject", "note": "Say which order fields you print."},
        )

    # then
    requested.refresh_from_db()
    assert requested.state == "rejected"
    notification = Notification.objects.get(user=alice, kind=Notification.Kind.SCOPE_REJECTED)
    assert "Say which order fields you print." in notification.display_body
    assert "Say which order fields you print." in mail.outbox[-1].body
    assert events(alice)[-1] == AccountEvent.Type.SCOPE_REJECTED
    # and the developer sees why, and asks again with a new reason
    client.force_login(alice)
    assert "Say which order fields you print." in client.get(page_url(alice_app)).text
    again = REASON + " We print the buyer's name and the items."
    client.post(request_url(alice_app), {"reason": again})
    requested.refresh_from_db()
    assert (requested.state, requested.reason, requested.decision_note) == ("requested", again, "")


def test_a_rejection_needs_a_note(client, requested, decider):
    # given
    client.force_login(decider)

    # when
    client.post(
        reverse("admin:open_api_appscope_decide", args=[requested.pk]), {"decision": "reject"}
    )

    # then
    requested.refresh_from_db()
    assert requested.state == "requested"


def test_staff_without_the_permission_cannot_decide(client, requested):
    # given: staff who may read the requests, not decide them
    stan = make_user(email="stan@example.com", is_staff=True)
    stan.user_permissions.add(Permission.objects.get(codename="view_appscope"))
    client.force_login(stan)

    # when
    page = client.get(reverse("admin:open_api_appscope_change", args=[requested.pk]))
    response = client.post(
        reverse("admin:open_api_appscope_decide", args=[requested.pk]),
        {"decision": "approve", "note": "ok"},
    )

    # then
    assert "scope-decision" not in page.text
    assert response.status_code == 403
    requested.refresh_from_db()
    assert requested.state == "requested"
    with pytest.raises(scopes.ScopeRefused):
        scopes.decide_scope_request(app_scope_id=requested.pk, by=stan, approve=True, note="")


def test_the_admin_queue_lists_the_requests_awaiting_a_decision(client, requested, decider):
    # given
    client.force_login(decider)

    # when
    response = client.get(reverse("admin:open_api_appscope_changelist") + "?queue=requested")

    # then
    assert response.status_code == 200
    assert ORDERS in response.text


def test_another_partner_gets_a_404(client, alice_app, bob):
    # given
    client.force_login(bob)

    # then
    assert client.get(page_url(alice_app)).status_code == 404
    assert client.post(page_url(alice_app), {"scopes": []}).status_code == 404
    assert client.post(request_url(alice_app), {"reason": REASON}).status_code == 404
    assert AppScope.objects.granted_keys(alice_app.pk) == ["seller.authorization.info"]


def test_a_member_who_views_apps_sees_the_scopes_but_cannot_change_them(client, alice, alice_app):
    # given
    member = make_member(account=alice, email="val@example.com", role={"apps": 1})
    client.force_login(member)

    # when
    page = client.get(page_url(alice_app))
    change = client.post(page_url(alice_app), {"scopes": ["seller.shop.info"]})

    # then
    assert page.status_code == 200
    assert "Save scopes" not in page.text
    assert change.status_code == 403
    assert AppScope.objects.granted_keys(alice_app.pk) == ["seller.authorization.info"]


def test_a_member_who_manages_apps_changes_the_scopes_for_the_account(client, alice, alice_app):
    # given
    member = make_member(account=alice, email="max@example.com", role={"apps": 2})
    client.force_login(member)

    # when
    client.post(page_url(alice_app), {"scopes": ["seller.authorization.info", "seller.shop.info"]})

    # then
    assert AppScope.objects.granted_keys(alice_app.pk) == [
        "seller.authorization.info",
        "seller.shop.info",
    ]
    event = AccountEvent.objects.filter(user=alice).order_by("pk").last()
    assert event.acting_user == member


def test_a_deactivated_apps_scopes_cannot_change(client, alice, alice_app):
    # given
    from apps_services import services as app_services

    app_services.deactivate_app(app_id=alice_app.pk, by=alice)
    client.force_login(alice)

    # when
    response = client.post(page_url(alice_app), {"scopes": ["seller.shop.info"]}, follow=True)

    # then
    assert AppScope.objects.granted_keys(alice_app.pk) == ["seller.authorization.info"]
    assert "deactivated" in response.text.lower()
