"""SPEC §8.2/8.3: My Account › Team members — inviting, joining, leaving, removing, roles."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountEvent, User
from accounts.permissions import Module, NotPermitted, access
from categories.models import Center, Region
from notifications.models import Notification
from onboarding.models import CompanyEntity
from teams import services
from teams.models import Invitation, Membership, Role, TeamSettings
from tests.onboarding.conftest import make_application

from ..conftest import PASSWORD, make_member, make_user

Event = AccountEvent.Type
LINK = re.compile(r"https?://[^\s\"]+/my-account/team/join/([\w-]+)/")


def events(account, event_type) -> list[AccountEvent]:
    return list(AccountEvent.objects.filter(user=account, event_type=event_type))


def invite(alice, email, capture, role="viewer") -> str:
    """Invite `email` as alice through the page; the token of the link emailed."""
    client = _client_for(alice)
    with capture(execute=True):
        response = client.post(
            reverse("teams:invite"), {"email": email, "role": Role.objects.builtin(role).pk}
        )
    assert response.status_code == 302
    return LINK.search(mail.outbox[-1].body).group(1)


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


# Inviting


def test_inviting_emails_a_link_with_the_inviter_the_account_the_role_and_the_expiry(
    alice, django_capture_on_commit_callbacks
):
    # given
    CompanyEntity.objects.create(
        user=alice, region=Region.objects.get(code="UK"), partner_name="Acme Growth"
    )

    # when
    token = invite(alice, "Dana@Example.com", django_capture_on_commit_callbacks)

    # then
    message = mail.outbox[-1]
    assert message.to == ["dana@example.com"]
    assert "Acme Growth" in message.subject
    assert "alice@example.com" in message.body
    assert "Viewer" in message.body
    assert "120 hours" in message.body
    html = message.alternatives[0][0]
    assert f"/my-account/team/join/{token}/" in html
    invitation = Invitation.objects.get()
    assert invitation.token_hash == Invitation.hash_token(token)
    assert token not in str(invitation.__dict__)
    assert [e.target for e in events(alice, Event.MEMBER_INVITED)] == ["dana@example.com"]


def test_inviting_again_resends_one_invitation_and_ends_the_old_link(
    alice, django_capture_on_commit_callbacks
):
    # given
    first = invite(alice, "dana@example.com", django_capture_on_commit_callbacks)

    # when
    second = invite(alice, "DANA@example.com", django_capture_on_commit_callbacks, "administrator")

    # then
    assert first != second
    invitation = Invitation.objects.get()
    assert invitation.role.builtin == "administrator"
    assert services.find_invitation(first) is None
    assert len(events(alice, Event.INVITATION_RESENT)) == 1


@pytest.mark.parametrize(
    ("email", "reason"),
    [("alice@example.com", "main account"), ("m@example.com", "already a member")],
)
def test_the_main_account_and_members_cannot_be_invited(alice, email, reason):
    # given
    make_member(account=alice, email="m@example.com")

    # when / then
    with pytest.raises(services.TeamActionRefused, match=reason):
        services.invite_member(by=alice, email=email, role=Role.objects.builtin("viewer"))


def test_the_invite_form_says_why_an_email_is_refused(alice_client):
    # when
    response = alice_client.post(
        reverse("teams:invite"),
        {"email": "alice@example.com", "role": Role.objects.builtin("viewer").pk},
    )

    # then
    assert response.status_code == 400
    assert "main account&#x27;s own email" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_role_of_another_account_cannot_be_given(alice, bob):
    # given
    bobs = services.create_role(by=bob, name="Bob's", permissions={"apps": 2})

    # when / then
    with pytest.raises(services.TeamActionRefused, match="roles"):
        services.invite_member(by=alice, email="d@example.com", role=bobs)


def test_a_viewer_of_the_team_sees_the_members_but_cannot_invite(alice, client):
    # given
    viewer = make_member(account=alice, email="v@example.com", role="viewer")
    client.force_login(viewer)

    # when
    page = client.get(reverse("teams:members"))
    refused = client.post(
        reverse("teams:invite"),
        {"email": "x@example.com", "role": Role.objects.builtin("viewer").pk},
    )

    # then
    assert page.status_code == 200
    assert b"invite-form" not in page.content
    assert refused.status_code == 403
    assert not Invitation.objects.exists()


def test_a_member_without_team_permission_gets_403_and_no_menu_entry(alice, client):
    # given
    member = make_member(account=alice, email="m@example.com", role={"apps": 2})
    client.force_login(member)

    # when
    page = client.get(reverse("teams:members"))
    home = client.get(reverse("accounts:dashboard"))

    # then
    assert page.status_code == 403
    assert home.context["my_account_links"] == {"team": False, "security_log": False}
    assert f'href="{reverse("teams:members")}"'.encode() not in home.content
    assert b"Acting for alice@example.com" in home.content


# Accepting


def test_a_new_person_signs_up_from_the_link_and_joins_at_once(
    alice, client, django_capture_on_commit_callbacks
):
    # given
    token = invite(alice, "dana@example.com", django_capture_on_commit_callbacks)
    page = client.get(reverse("teams:accept", args=[token]))
    assert b"Create an account" in page.content

    # when
    response = client.post(
        reverse("teams:join-signup", args=[token]),
        {"email": "evil@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    # then: signed in as the invited email, verified by the link, a member of alice's team
    assert response.status_code == 302
    dana = User.objects.get(email="dana@example.com")
    assert not User.objects.filter(email="evil@example.com").exists()
    assert dana.account == alice
    assert dana.team_membership.role.builtin == "viewer"
    assert EmailAddress.objects.get(user=dana).verified
    assert client.get(reverse("teams:members")).status_code == 200
    assert [e.acting_user for e in events(alice, Event.MEMBER_JOINED)] == [dana]
    assert Invitation.objects.get().status == "accepted"


def test_an_existing_user_logs_in_and_accepts(alice, client, django_capture_on_commit_callbacks):
    # given
    dana = make_user(email="dana@example.com")
    token = invite(alice, "dana@example.com", django_capture_on_commit_callbacks)
    anonymous = client.get(reverse("teams:accept", args=[token]))
    assert f"next=/my-account/team/join/{token}/".encode() in anonymous.content
    client.force_login(dana)

    # when
    page = client.get(reverse("teams:accept", args=[token]))
    response = client.post(reverse("teams:accept", args=[token]), {"accept": "1"})

    # then
    assert b"Decline" in page.content
    assert response.status_code == 302
    dana.refresh_from_db()
    assert dana.holder == alice
    assert access(dana, Module.APPS) == 1


def test_an_expired_link_is_refused_clearly_and_a_resent_one_works(
    alice, client, django_capture_on_commit_callbacks
):
    # given
    dana = make_user(email="dana@example.com")
    old = invite(alice, "dana@example.com", django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(dana)

    # when
    page = client.get(reverse("teams:accept", args=[old]))
    client.post(reverse("teams:accept", args=[old]), {"accept": "1"})

    # then
    assert "This invitation expired" in page.content.decode()
    assert not Membership.objects.exists()
    assert "Expired" in _client_for(alice).get(reverse("teams:members")).content.decode()

    # when: alice resends it
    with django_capture_on_commit_callbacks(execute=True):
        _client_for(alice).post(reverse("teams:resend", args=[Invitation.objects.get().pk]))
    new = LINK.search(mail.outbox[-1].body).group(1)

    # then: the old link is dead, the new one works
    assert "not valid" in client.get(reverse("teams:accept", args=[old])).content.decode()
    client.post(reverse("teams:accept", args=[new]), {"accept": "1"})
    assert Membership.objects.get().user == dana
    assert len(events(alice, Event.INVITATION_RESENT)) == 1


def test_a_revoked_invitation_cannot_be_accepted(alice, django_capture_on_commit_callbacks):
    # given
    dana = make_user(email="dana@example.com")
    token = invite(alice, "dana@example.com", django_capture_on_commit_callbacks)

    # when
    _client_for(alice).post(reverse("teams:revoke", args=[Invitation.objects.get().pk]))

    # then
    with pytest.raises(services.TeamActionRefused, match="withdrawn"):
        services.accept_invitation(token=token, user=dana)
    assert len(events(alice, Event.INVITATION_REVOKED)) == 1


def test_someone_signed_in_with_another_email_is_told_which_email_to_use(
    alice, bob, django_capture_on_commit_callbacks
):
    token = invite(alice, "dana@example.com", django_capture_on_commit_callbacks)

    with pytest.raises(services.TeamActionRefused, match=r"is for dana@example\.com"):
        services.accept_invitation(token=token, user=bob)


def test_a_member_of_one_team_cannot_join_another(alice, bob, django_capture_on_commit_callbacks):
    # given
    dana = make_member(account=bob, email="dana@example.com")
    token = invite(alice, "dana@example.com", django_capture_on_commit_callbacks)

    # when / then
    with pytest.raises(services.TeamActionRefused, match="already a member of a team"):
        services.accept_invitation(token=token, user=dana)


def test_a_main_account_with_data_of_its_own_cannot_join(alice, django_capture_on_commit_callbacks):
    # given
    dana = make_user(email="dana@example.com")
    CompanyEntity.objects.create(user=dana, region=Region.objects.get(code="UK"))
    token = invite(alice, "dana@example.com", django_capture_on_commit_callbacks)

    # when / then
    with pytest.raises(services.TeamActionRefused, match="partner data of its own"):
        services.accept_invitation(token=token, user=dana)
    assert User.objects.get(pk=dana.pk).account is None


def test_an_account_of_the_other_partner_center_cannot_join(
    alice, django_capture_on_commit_callbacks
):
    dana = make_user(email="dana@example.com", center=Center.US)
    token = invite(alice, "dana@example.com", django_capture_on_commit_callbacks)

    with pytest.raises(services.TeamActionRefused, match="Partner Center"):
        services.accept_invitation(token=token, user=dana)


# Members


def test_a_removed_member_is_signed_out_at_the_next_request_and_sees_nothing_of_the_account(
    alice, rita, client
):
    # given a member with a copy of the account's news in their inbox
    dana = make_member(account=alice, email="dana@example.com", role="administrator")
    make_application(alice, state="rejected", reviewer=rita)
    assert Notification.objects.filter(user=dana).count() == 1
    client.force_login(dana)
    assert client.get(reverse("teams:members")).context["account"] == alice

    # when
    owner = _client_for(alice)
    confirm = owner.get(reverse("teams:remove", args=[dana.pk]))
    owner.post(reverse("teams:remove", args=[dana.pk]))

    # then
    assert b"remove-confirm" in confirm.content
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client.login(email="dana@example.com", password=PASSWORD)
    page = client.get(reverse("teams:members"))
    assert page.context["account"] == User.objects.get(pk=dana.pk)
    assert b"alice@example.com" not in page.content
    assert not Membership.objects.exists()
    assert not Notification.objects.filter(user=dana).exists()
    assert not client.get(reverse("notifications:notifications")).context["notifications"]
    assert [e.target_user for e in events(alice, Event.MEMBER_REMOVED)] == [dana]


def test_a_member_cannot_remove_the_main_account_nor_themselves(alice):
    # given
    admin = make_member(account=alice, email="admin@example.com", role="administrator")

    # when / then
    with pytest.raises(services.TeamActionRefused):
        services.remove_member(by=admin, member=alice)
    with pytest.raises(services.TeamActionRefused):
        services.change_member_role(by=admin, member=alice, role=Role.objects.builtin("viewer"))
    with pytest.raises(services.TeamActionRefused, match="Leave team"):
        services.remove_member(by=admin, member=admin)


def test_another_accounts_member_is_a_404(alice, bob, client):
    bobs = make_member(account=bob, email="b2@example.com")
    client.force_login(alice)

    assert client.post(reverse("teams:remove", args=[bobs.pk])).status_code == 404
    assert client.post(reverse("teams:change-role", args=[bobs.pk])).status_code == 404


def test_a_member_leaves_the_team_and_stays_signed_in_as_themselves(alice, client):
    # given
    dana = make_member(account=alice, email="dana@example.com", role="viewer")
    client.force_login(dana)

    # when
    response = client.post(reverse("teams:leave"))

    # then
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert User.objects.get(pk=dana.pk).account is None
    assert [e.acting_user for e in events(alice, Event.MEMBER_LEFT)] == [dana]


def test_changing_a_members_role_applies_at_their_next_request(alice, client):
    # given
    dana = make_member(account=alice, email="dana@example.com", role="viewer")
    client.force_login(dana)

    # when
    _client_for(alice).post(
        reverse("teams:change-role", args=[dana.pk]),
        {"role": Role.objects.builtin("administrator").pk},
    )

    # then
    assert Membership.objects.get(user=dana).role.builtin == "administrator"
    page = client.get(reverse("teams:members"))
    assert page.context["can_manage"]
    assert events(alice, Event.MEMBER_ROLE_CHANGED)[0].details == {
        "from": "Viewer",
        "to": "Administrator",
    }


# Roles


def test_editing_a_role_changes_its_members_access_at_once(alice, client):
    # given
    role = services.create_role(by=alice, name="Builders", permissions={"apps": 2})
    dana = make_member(account=alice, email="dana@example.com")
    Membership.objects.filter(user=dana).update(role=role)
    client.force_login(dana)
    assert client.get(reverse("teams:members")).status_code == 403

    # when
    owner = _client_for(alice)
    form = owner.get(reverse("teams:role-edit", args=[role.pk]))
    data = {"name": "Builders", "module_apps": "2", "module_team": "1", "module_secrets": "0"}
    data.update({f"module_{m}": "0" for m in ("profile", "authorizations", "webhooks")})
    data.update({f"module_{m}": "0" for m in ("shop_registration", "notifications")})
    owner.post(reverse("teams:role-edit", args=[role.pk]), data)

    # then
    assert b'value="1"' in form.content
    assert client.get(reverse("teams:members")).status_code == 200
    assert client.post(reverse("teams:invite"), {"email": "x@example.com"}).status_code == 403
    assert events(alice, Event.ROLE_CREATED)[0].details == {"permissions": {"apps": 2}}
    assert events(alice, Event.ROLE_EDITED)[0].details["permissions"] == {"apps": 2, "team": 1}


def test_the_role_form_offers_no_view_level_for_app_secrets(alice_client):
    page = alice_client.get(reverse("teams:role-create")).content.decode()

    assert 'name="module_secrets" value="0"' in page
    assert 'name="module_secrets" value="2"' in page
    assert 'name="module_secrets" value="1"' not in page
    assert 'name="module_apps" value="1"' in page


def test_a_role_in_use_cannot_be_deleted_and_built_ins_cannot_be_edited(alice):
    # given
    role = services.create_role(by=alice, name="Builders", permissions={"apps": 2})
    dana = make_member(account=alice, email="dana@example.com")
    Membership.objects.filter(user=dana).update(role=role)

    # when / then
    with pytest.raises(services.TeamActionRefused, match="in use"):
        services.delete_role(by=alice, role=role)
    with pytest.raises(services.TeamActionRefused, match="Built-in"):
        services.edit_role(
            by=alice, role=Role.objects.builtin("viewer"), name="Viewer", permissions={}
        )
    Membership.objects.filter(user=dana).update(role=Role.objects.builtin("viewer"))
    services.delete_role(by=alice, role=role)
    assert not Role.objects.filter(pk=role.pk).exists()
    assert len(events(alice, Event.ROLE_DELETED)) == 1


def test_role_names_are_unique_in_the_team(alice):
    services.create_role(by=alice, name="Builders", permissions={})

    with pytest.raises(services.TeamActionRefused, match="already has a role"):
        services.create_role(by=alice, name="builders", permissions={})
    with pytest.raises(services.TeamActionRefused, match="already has a role"):
        services.create_role(by=alice, name="Administrator", permissions={})


def test_the_roles_page_shows_the_built_ins_read_only(alice, client):
    viewer = make_member(account=alice, email="v@example.com", role="viewer")
    client.force_login(viewer)

    page = client.get(reverse("teams:roles")).content.decode()

    assert "Administrator" in page
    assert "No access" in page  # the viewer's App secrets
    assert reverse("teams:role-create") not in page


# Two-factor rule


def test_only_the_main_account_requires_two_factor_of_its_members(alice, client):
    # given
    admin = make_member(account=alice, email="admin@example.com", role="administrator")

    # when (the member tries first: once the rule is on, it holds them at the Security page)
    client.force_login(admin)
    refused = client.post(reverse("teams:team-mfa"), {"require_mfa": "on"})
    _client_for(alice).post(reverse("teams:team-mfa"), {"require_mfa": "on"})

    # then
    assert TeamSettings.objects.get(account=alice).require_mfa
    assert refused.status_code == 403
    assert events(alice, Event.TEAM_MFA_CHANGED)[0].details == {"required": True}


def test_no_team_action_without_the_team_permission(alice):
    member = make_member(account=alice, email="m@example.com", role={"apps": 2})

    with pytest.raises(NotPermitted):
        services.create_role(by=member, name="X", permissions={})
    with pytest.raises(NotPermitted):
        services.invite_member(
            by=member, email="x@example.com", role=Role.objects.builtin("viewer")
        )


# Admin


def test_staff_read_the_team_tables_without_any_token(alice, admin_client):
    # given
    invitation = services.invite_member(
        by=alice, email="d@example.com", role=Role.objects.builtin("viewer")
    )

    # when
    listing = admin_client.get(reverse("admin:teams_invitation_changelist"))
    detail = admin_client.get(reverse("admin:teams_invitation_change", args=[invitation.pk]))

    # then
    assert listing.status_code == detail.status_code == 200
    assert b"d@example.com" in listing.content
    assert invitation.token_hash.encode() not in detail.content
    for model in ("role", "membership", "teamsettings"):
        assert admin_client.get(reverse(f"admin:teams_{model}_changelist")).status_code == 200
