"""The one place a member's module permissions are decided (accounts/permissions.py)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import AccountBlacklisted
from accounts.permissions import Access, Module, NotPermitted, access, ensure, module_required
from teams.models import Role

from ..conftest import make_member


def test_the_main_account_manages_every_module(alice):
    assert all(access(alice, module) == Access.MANAGE for module in Module)


def test_a_viewer_reads_everything_but_reveals_no_secret(alice):
    viewer = make_member(account=alice, email="v@example.com", role="viewer")

    assert access(viewer, Module.APPS) == Access.VIEW
    assert access(viewer, Module.SECRETS) == Access.NONE
    with pytest.raises(NotPermitted, match="App & Service"):
        ensure(viewer, Module.APPS)


def test_a_custom_role_grants_only_its_modules_and_acts_for_the_main_account(alice):
    member = make_member(account=alice, email="m@example.com", role={"apps": 2, "secrets": 1})

    assert ensure(member, Module.APPS) == alice
    assert access(member, Module.SECRETS) == Access.NONE  # write-only: view means nothing
    assert access(member, Module.TEAM) == Access.NONE


def test_anonymous_has_no_access():
    assert access(AnonymousUser(), Module.PROFILE) == Access.NONE


def test_a_member_is_blacklisted_with_the_account(alice):
    member = make_member(account=alice, email="m@example.com")
    alice.blacklist(by=None, reason="security form")

    member.refresh_from_db()
    with pytest.raises(AccountBlacklisted):
        member.ensure_can_write()


def test_the_view_decorator_reads_for_get_and_manages_for_post(alice):
    viewer = make_member(account=alice, email="v@example.com", role="viewer")
    view = module_required(Module.APPS)(lambda request: HttpResponse("ok"))
    factory = RequestFactory()

    get, post = factory.get("/"), factory.post("/")
    get.user = post.user = viewer

    assert view(get).status_code == 200
    with pytest.raises(NotPermitted):
        view(post)
    assert view.team_module == Module.APPS


def test_builtin_roles_come_back_after_a_flush(db):
    Role.objects.filter(builtin="viewer").delete()

    assert Role.objects.builtin("viewer").access(Module.TEAM) == Access.VIEW


def test_ending_sessions_logs_the_member_out_at_the_next_request(client, alice):
    member = make_member(account=alice, email="m@example.com")
    client.force_login(member)
    assert client.get("/my-account/profile/").status_code == 200

    member.end_sessions()

    response = client.get("/my-account/profile/")
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]
