"""seed_demo's teams part (SPEC §8): a member of the demo developer's team whose custom role
builds apps (App & Service, manage) but may not reveal or rotate the app secret."""

from accounts.models import AccountEvent, User
from demo.seed.accounts import ensure_user
from demo.seed.apps_services import DEVELOPER
from teams.models import Membership, Role

TEAM_MEMBER = {"email": "developer-team@example.com", "password": "Demo-member-2026"}
ROLE_NAME = "App developer"
ROLE_PERMISSIONS = {"apps": 2, "notifications": 1}


def seed_team(result: dict) -> None:
    developer = User.objects.get(email=DEVELOPER["email"])
    role, _created = Role.objects.update_or_create(
        account=developer,
        name=ROLE_NAME,
        defaults={"permissions": Role.clean_permissions(ROLE_PERMISSIONS)},
    )
    member = ensure_user(**TEAM_MEMBER)
    if member.account_id != developer.pk:
        member.account = developer
        member.save(update_fields=["account"])
    _membership, joined = Membership.objects.update_or_create(
        user=member, defaults={"role": role, "invited_by": developer}
    )
    if joined:
        AccountEvent.record(
            AccountEvent.Type.MEMBER_JOINED,
            user=developer,
            acting_user=member,
            target_user=member,
            target=member.email,
            details={"role": role.name},
        )
    result["team_member"] = {**TEAM_MEMBER, "role": ROLE_NAME, "account": developer.email}
