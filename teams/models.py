import hashlib
import secrets
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import WRITE_ONLY_MODULES, Access, Module

# SPEC §8.2: an invitation link works for this long (TikTok Shop Partner Center's 120 hours).
INVITATION_TTL = timedelta(hours=120)


# SPEC §8.3's two built-ins. Viewer reads everything; App secrets is reveal and rotate, so a
# viewer has none of it. (Migration teams/0002 wrote the same rows.)
BUILTIN_PERMISSIONS = {
    "administrator": {m.value: int(Access.MANAGE) for m in Module},
    "viewer": {m.value: int(Access.VIEW) for m in Module if m not in WRITE_ONLY_MODULES},
}


class RoleQuerySet(models.QuerySet["Role"]):
    def builtin(self, key: str) -> "Role":
        """A built-in role, made again if a flush or a hand removed it."""
        role, _created = self.get_or_create(
            builtin=key,
            defaults={
                "name": str(Role.Builtin(key).label),
                "permissions": BUILTIN_PERMISSIONS[key],
            },
        )
        return role

    def for_account(self, account):
        """The roles a main account can give: the built-ins and its own."""
        for key in BUILTIN_PERMISSIONS:
            self.builtin(key)
        return self.filter(models.Q(account=None) | models.Q(account=account)).order_by(
            "-builtin", "name", "pk"
        )


class Role(models.Model):
    """A named set of module permissions (SPEC §8.3). Built-ins belong to no account."""

    class Builtin(models.TextChoices):
        ADMINISTRATOR = "administrator", _("Administrator")
        VIEWER = "viewer", _("Viewer")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="team_roles",
        verbose_name=_("account"),
    )
    builtin = models.CharField(_("built-in"), max_length=20, choices=Builtin.choices, blank=True)
    name = models.CharField(_("name"), max_length=60)
    # {module: level}; a module left out is no access.
    permissions = models.JSONField(_("permissions"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[RoleQuerySet] = RoleQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("team role")
        verbose_name_plural = _("team roles")
        constraints = [
            models.UniqueConstraint(
                "account", Lower("name"), name="teams_role_name_unique_per_account"
            ),
            models.UniqueConstraint(
                fields=["builtin"], condition=~models.Q(builtin=""), name="teams_role_one_builtin"
            ),
            models.CheckConstraint(
                condition=models.Q(builtin="") | models.Q(account=None),
                name="teams_role_builtin_has_no_account",
            ),
        ]

    def __str__(self) -> str:
        return str(self.Builtin(self.builtin).label) if self.builtin else self.name

    @property
    def display_name(self) -> str:
        return str(self)

    def access(self, module: str) -> Access:
        level = Access(int(self.permissions.get(str(module), Access.NONE)))
        if module in WRITE_ONLY_MODULES and level < Access.MANAGE:
            return Access.NONE
        return level

    @staticmethod
    def clean_permissions(permissions: dict) -> dict:
        """Known modules only, at known levels; write-only modules are all or nothing."""
        cleaned = {}
        for module in Module:
            level = Access(int(permissions.get(module.value, Access.NONE)))
            if module in WRITE_ONLY_MODULES and level == Access.VIEW:
                level = Access.NONE
            if level:
                cleaned[module.value] = int(level)
        return cleaned


class Membership(models.Model):
    """A user working for someone else's partner account (User.account), with one role.

    The account is `user.account`; this row exists exactly when that is set (the teams
    services write both in one transaction)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="team_membership",
        verbose_name=_("member"),
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("role")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class TeamSettings(models.Model):
    """What the main account decides for the whole team (SPEC §8.4)."""

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="team_settings",
    )
    require_mfa = models.BooleanField(_("members must use two-factor sign-in"), default=False)

    class Meta:
        verbose_name = _("team settings")
        verbose_name_plural = _("team settings")

    def __str__(self) -> str:
        return str(self.account)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self):
        """Neither accepted nor revoked (it may have expired: it can then be resent)."""
        return self.filter(accepted_at=None, revoked_at=None)

    def live(self):
        return self.open().filter(expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An email invited to join an account with a role (SPEC §8.2). Only a hash of the link's
    token is stored; resending makes a new token and a new 120-hour window."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="team_invitations",
        verbose_name=_("account"),
    )
    email = models.EmailField(_("email"), max_length=254)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects: ClassVar[InvitationQuerySet] = InvitationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("team invitation")
        verbose_name_plural = _("team invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("email"),
                condition=models.Q(accepted_at=None, revoked_at=None),
                name="teams_one_open_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return self.email

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def new_token(self) -> str:
        """A fresh link token and window; the old link stops working."""
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        self.token_hash = self.hash_token(token)
        self.sent_at = now
        self.expires_at = now + INVITATION_TTL
        return token

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.is_expired else "pending"


def account_name(account) -> str:
    """How a partner account is named to others: its company entity's name when there is
    one, else the main account's email. (The entity is read through its reverse relation:
    onboarding sits above teams.)"""
    try:
        entity = account.company_entity
    except (AttributeError, ObjectDoesNotExist):
        entity = None
    name = entity and (entity.partner_name or entity.legal_name or entity.legal_name_english)
    return name or account.email
