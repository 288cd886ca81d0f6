"""SPEC §8.2/8.3: inviting, joining, leaving and removing team members; the account's roles
and its two-factor rule.

Every change starts with `ensure(by, Module.TEAM)` (the acting user may manage the team; it
returns the account to act on) and the account's blacklist check, writes its security-log row
(AccountEvent) in the same transaction, and sends its email only once that commits.

A member acts on members only: the main account is nobody's member, so it is never found
where a member is expected, and nothing here changes its login.
"""

from functools import partial

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountEvent, User
from accounts.permissions import Module, ensure

from . import emails
from .models import Invitation, Membership, Role, TeamSettings

Event = AccountEvent.Type

# What a partner account owns (SPEC §8.1), as (model, field pointing at the account). Read
# through the app registry: these apps sit above teams and are not imported from here (the
# floor plan, tests/test_architecture.py). An app that is not installed owns nothing.
OWNED_DATA = [
    ("onboarding.CompanyEntity", "user"),
    ("onboarding.Application", "user"),
    ("apps_services.App", "owner"),
    ("referrals.ShopRegistrationService", "partner"),
]


class TeamActionRefused(Exception):
    """A team change that cannot happen; the message says why, to the person asking."""


def owns_data(user: User) -> bool:
    """Whether `user` is a partner account with anything of its own: an entity, an
    application, an app, a shop registration service, or members."""
    if user.team_members.exists():
        return True
    for label, field in OWNED_DATA:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model._default_manager.filter(**{field: user}).exists():
            return True
    return False


def _manager(by: User) -> User:
    """The account `by` may manage the team of (raises NotPermitted, AccountBlacklisted)."""
    owner = ensure(by, Module.TEAM)
    by.ensure_can_write()
    return owner


def _member_of(owner: User, member: User) -> User:
    """`member`, locked, when it is a member of `owner`'s team (the main account never is)."""
    locked = User.objects.select_for_update().filter(pk=member.pk, account=owner).first()
    if locked is None:
        raise TeamActionRefused(_("This person is not a member of your team."))
    return locked


def _role_of(owner: User, role: Role) -> Role:
    if not Role.objects.for_account(owner).filter(pk=role.pk).exists():
        raise TeamActionRefused(_("Choose one of your team's roles."))
    return role


def _send_on_commit(invitation: Invitation, token: str) -> None:
    transaction.on_commit(partial(emails.send_invitation, invitation=invitation, token=token))


@transaction.atomic
def invite_member(*, by: User, email: str, role: Role, ip: str | None = None) -> Invitation:
    """Invite `email` to the account with `role` and email the link (SPEC §8.2). An email
    with an open invitation gets it again, with the new role and a new 120-hour link."""
    owner = _manager(by)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise TeamActionRefused(_("Enter a valid email address.")) from error
    User.objects.select_for_update().filter(pk=owner.pk).first()  # one invite at a time
    if email == owner.email.lower():
        raise TeamActionRefused(_("This is the main account's own email."))
    if User.objects.filter(account=owner, email__iexact=email).exists():
        raise TeamActionRefused(_("%(email)s is already a member of your team.") % {"email": email})
    _role_of(owner, role)
    invitation = Invitation.objects.open().filter(account=owner, email__iexact=email).first()
    event = Event.INVITATION_RESENT if invitation else Event.MEMBER_INVITED
    if invitation is None:
        invitation = Invitation(account=owner, email=email)
    invitation.role, invitation.invited_by = role, by
    token = invitation.new_token()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as error:  # another tab invited the same email a moment ago
        raise TeamActionRefused(_("%(email)s was just invited.") % {"email": email}) from error
    AccountEvent.record(
        event, user=owner, acting_user=by, ip=ip, target=email, details={"role": str(role)}
    )
    _send_on_commit(invitation, token)
    return invitation


def _open_invitation(owner: User, invitation: Invitation) -> Invitation:
    locked = (
        Invitation.objects.select_for_update().open().filter(pk=invitation.pk, account=owner)
    ).first()
    if locked is None:
        raise TeamActionRefused(_("This invitation was already accepted or revoked."))
    return locked


@transaction.atomic
def resend_invitation(*, by: User, invitation: Invitation, ip: str | None = None) -> Invitation:
    """A new link and a new 120-hour window; the old link stops working."""
    owner = _manager(by)
    invitation = _open_invitation(owner, invitation)
    token = invitation.new_token()
    invitation.invited_by = by
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "invited_by"])
    AccountEvent.record(
        Event.INVITATION_RESENT,
        user=owner,
        acting_user=by,
        ip=ip,
        target=invitation.email,
        details={"role": str(invitation.role)},
    )
    _send_on_commit(invitation, token)
    return invitation


@transaction.atomic
def revoke_invitation(*, by: User, invitation: Invitation, ip: str | None = None) -> Invitation:
    owner = _manager(by)
    invitation = _open_invitation(owner, invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    AccountEvent.record(
        Event.INVITATION_REVOKED, user=owner, acting_user=by, ip=ip, target=invitation.email
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token opens, whatever its state (None: no such link)."""
    return (
        Invitation.objects.select_related("account", "role", "invited_by")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def check_invitation(invitation: Invitation | None) -> Invitation:
    """The invitation, unless its link cannot be accepted any more: refused, saying why."""
    if invitation is None:
        raise TeamActionRefused(
            _("This invitation link is not valid. If it was resent, use the newest email.")
        )
    if invitation.accepted_at:
        raise TeamActionRefused(_("This invitation has already been accepted."))
    if invitation.revoked_at:
        raise TeamActionRefused(_("This invitation was withdrawn."))
    if invitation.is_expired:
        raise TeamActionRefused(
            _(
                "This invitation expired. Ask %(inviter)s to resend it: the new email has "
                "a new link."
            )
            % {"inviter": invitation.invited_by or invitation.account}
        )
    return invitation


def check_joiner(invitation: Invitation, user: User) -> None:
    """Refuse `user` joining through `invitation` (SPEC §8.2: one team per Partner Center;
    a partner account with data of its own stays one)."""
    if user.email.lower() != invitation.email.lower():
        raise TeamActionRefused(
            _(
                "This invitation is for %(invited)s, but you are signed in as %(user)s. Log "
                "out, then log in or sign up with %(invited)s."
            )
            % {"invited": invitation.email, "user": user.email}
        )
    account = invitation.account
    if user.is_staff or user.pk == account.pk:
        raise TeamActionRefused(_("This account cannot join this team."))
    if user.center != account.center:
        raise TeamActionRefused(
            _("This team is in the %(center)s; your account belongs to another Partner Center.")
            % {"center": account.get_center_display()}
        )
    if user.account_id is not None:
        raise TeamActionRefused(
            _("You are already a member of a team. Leave it first (My Account › Team members).")
        )
    if owns_data(user):
        raise TeamActionRefused(
            _(
                "Your account already has partner data of its own (a company entity, "
                "applications, apps, services or members), so it cannot join a team. Sign up "
                "with a new account for this email, or ask for an invitation to another email."
            )
        )


@transaction.atomic
def accept_invitation(*, token: str, user: User, ip: str | None = None) -> Membership:
    """`user` joins the account that invited their email, with the invitation's role."""
    found = find_invitation(token)
    invitation = (
        Invitation.objects.select_for_update().filter(pk=found.pk).first() if found else None
    )
    invitation = check_invitation(invitation)
    user = User.objects.select_for_update().get(pk=user.pk)
    check_joiner(invitation, user)
    account = invitation.account
    user.account, user.active_role = account, None
    user.save(update_fields=["account", "active_role"])
    membership = Membership.objects.create(
        user=user, role=invitation.role, invited_by=invitation.invited_by
    )
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    AccountEvent.record(
        Event.MEMBER_JOINED,
        user=account,
        acting_user=user,
        target_user=user,
        ip=ip,
        target=user.email,
        details={"role": str(invitation.role)},
    )
    return membership


@transaction.atomic
def change_member_role(*, by: User, member: User, role: Role, ip: str | None = None) -> Membership:
    owner = _manager(by)
    if member.pk == by.pk:
        raise TeamActionRefused(_("You cannot change your own role."))
    member = _member_of(owner, member)
    _role_of(owner, role)
    membership = Membership.objects.select_related("role").get(user=member)
    before = str(membership.role)
    membership.role = role
    membership.save(update_fields=["role"])
    AccountEvent.record(
        Event.MEMBER_ROLE_CHANGED,
        user=owner,
        acting_user=by,
        target_user=member,
        ip=ip,
        target=member.email,
        details={"from": before, "to": str(role)},
    )
    return membership


def _detach(member: User) -> None:
    """`member` works for nobody any more: its own (empty) account again, every session
    ended at its next request. Its copies of the account's notifications go too: they are
    the account's news, not the person's (the notifications app sits beside teams, so it is
    reached through the registry, as OWNED_DATA is)."""
    Membership.objects.filter(user=member).delete()
    apps.get_model("notifications", "Notification").objects.filter(user=member).delete()
    member.account, member.active_role = None, None
    member.save(update_fields=["account", "active_role"])
    member.end_sessions()


@transaction.atomic
def remove_member(*, by: User, member: User, ip: str | None = None) -> None:
    """SPEC §8.2: the member loses the account at their next request."""
    owner = _manager(by)
    if member.pk == by.pk:
        raise TeamActionRefused(_("To leave the team yourself, use “Leave team”."))
    member = _member_of(owner, member)
    _detach(member)
    AccountEvent.record(
        Event.MEMBER_REMOVED,
        user=owner,
        acting_user=by,
        target_user=member,
        ip=ip,
        target=member.email,
    )


@transaction.atomic
def leave_team(*, user: User, ip: str | None = None) -> User:
    """The member leaves the team it works for; its other sessions end too."""
    member = User.objects.select_for_update().get(pk=user.pk)
    if member.account_id is None:
        raise TeamActionRefused(_("You are not a member of a team."))
    account = member.holder
    _detach(member)
    AccountEvent.record(
        Event.MEMBER_LEFT,
        user=account,
        acting_user=member,
        target_user=member,
        ip=ip,
        target=member.email,
    )
    return member


def _check_role_name(owner: User, name: str, *, role: Role | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise TeamActionRefused(_("Give the role a name."))
    taken = Role.objects.for_account(owner).filter(name__iexact=name)
    if role is not None:
        taken = taken.exclude(pk=role.pk)
    builtin_names = {str(label).lower() for label in Role.Builtin.labels}
    if taken.exists() or name.lower() in builtin_names:
        raise TeamActionRefused(
            _("Your team already has a role named “%(name)s”.") % {"name": name}
        )
    return name


@transaction.atomic
def create_role(*, by: User, name: str, permissions: dict, ip: str | None = None) -> Role:
    owner = _manager(by)
    User.objects.select_for_update().filter(pk=owner.pk).first()  # names checked one at a time
    name = _check_role_name(owner, name)
    role = Role.objects.create(
        account=owner, name=name, permissions=Role.clean_permissions(permissions)
    )
    AccountEvent.record(
        Event.ROLE_CREATED,
        user=owner,
        acting_user=by,
        ip=ip,
        target=name,
        details={"permissions": role.permissions},
    )
    return role


def _own_role(owner: User, role: Role) -> Role:
    if role.builtin:
        raise TeamActionRefused(_("Built-in roles cannot be changed."))
    locked = Role.objects.select_for_update().filter(pk=role.pk, account=owner).first()
    if locked is None:
        raise TeamActionRefused(_("This role is not one of your team's."))
    return locked


@transaction.atomic
def edit_role(*, by: User, role: Role, name: str, permissions: dict, ip: str | None = None) -> Role:
    """Members holding the role get the new permissions at their next request."""
    owner = _manager(by)
    User.objects.select_for_update().filter(pk=owner.pk).first()
    role = _own_role(owner, role)
    name = _check_role_name(owner, name, role=role)
    before = {"name": role.name, "permissions": role.permissions}
    role.name, role.permissions = name, Role.clean_permissions(permissions)
    role.save(update_fields=["name", "permissions"])
    AccountEvent.record(
        Event.ROLE_EDITED,
        user=owner,
        acting_user=by,
        ip=ip,
        target=name,
        details={"before": before, "permissions": role.permissions},
    )
    return role


@transaction.atomic
def delete_role(*, by: User, role: Role, ip: str | None = None) -> None:
    owner = _manager(by)
    role = _own_role(owner, role)
    members = Membership.objects.filter(role=role).count()
    invitations = Invitation.objects.open().filter(role=role).count()
    if members or invitations:
        raise TeamActionRefused(
            _(
                "“%(name)s” is in use (%(members)d members, %(invitations)d open "
                "invitations). Give them another role or revoke the invitations first."
            )
            % {"name": role.name, "members": members, "invitations": invitations}
        )
    # Accepted and revoked invitations keep no history the security log does not hold.
    Invitation.objects.filter(role=role).delete()
    AccountEvent.record(
        Event.ROLE_DELETED,
        user=owner,
        acting_user=by,
        ip=ip,
        target=role.name,
        details={"permissions": role.permissions},
    )
    role.delete()


@transaction.atomic
def set_team_mfa_required(*, by: User, required: bool, ip: str | None = None) -> TeamSettings:
    """SPEC §8.4: only the main account decides whether its members must use two-factor
    sign-in (enforced at login by the accounts app)."""
    if by.account_id is not None or by.is_staff:
        raise PermissionDenied(_("Only the main account can change this."))
    by.ensure_can_write()
    team, _created = TeamSettings.objects.select_for_update().get_or_create(account=by)
    if team.require_mfa != required:
        team.require_mfa = required
        team.save(update_fields=["require_mfa"])
        AccountEvent.record(
            Event.TEAM_MFA_CHANGED, user=by, acting_user=by, ip=ip, details={"required": required}
        )
    return team
