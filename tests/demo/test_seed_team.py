"""seed_demo's team member (SPEC §8): builds apps for the demo developer, reveals no secret."""

import json
from io import StringIO

from django.core.management import call_command

from accounts.models import AccountEvent, User
from accounts.permissions import Access, Module, access
from teams.models import Membership


def test_seed_demo_gives_the_developer_a_team_member_who_builds_apps_but_reveals_no_secret(db):
    # when: twice, as make run does
    call_command("seed_demo", "--json", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)

    # then
    seeded = json.loads(out.getvalue())["team_member"]
    assert set(seeded) >= {"email", "password", "role"}
    assert seeded["role"] == "App developer"
    member = User.objects.get(email=seeded["email"])
    assert member.check_password(seeded["password"])
    assert member.holder.email == json.loads(out.getvalue())["developer"]["email"]
    assert Membership.objects.filter(user=member).count() == 1
    assert access(member, Module.APPS) == Access.MANAGE
    assert access(member, Module.SECRETS) == Access.NONE
    joined = AccountEvent.objects.filter(event_type=AccountEvent.Type.MEMBER_JOINED)
    assert joined.count() == 1
