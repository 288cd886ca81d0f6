import secrets
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from categories.models import Center

# RFC 5321's limit, and the column's: an address is stored whole or refused, never cut.
EMAIL_MAX_LENGTH = 254


def validate_login_email(email: str) -> None:
    """The rule every way in passes (sign-up, change of email, the shell, the admin)."""
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            _("An email address can have at most %(limit)s characters; this one has %(length)s."),
            code="email_too_long",
            params={"limit": EMAIL_MAX_LENGTH, "length": len(email)},
        )
    validate_email(email)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        validate_login_email(email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A Partner Center account. The email is the login and the notification channel."""

    # Removing inherited fields: the stubs type them as always present.
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("login email"), unique=True, max_length=EMAIL_MAX_LENGTH)
    # Unique only once verified (Meta.constraints): a number typed in but never verified
    # must not block its real owner, nor tell anyone that it is registered.
    phone = PhoneNumberField(_("phone number"), blank=True, null=True, db_index=True)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    center = models.CharField(
        _("Partner Center"), max_length=8, choices=Center.choices, default=Center.GLOBAL
    )
    blacklisted_at = models.DateTimeField(_("blacklisted at"), null=True, blank=True)
    blacklist_reason = models.CharField(_("blacklist reason"), max_length=255, blank=True)
    # SPEC §1.6: the role whose menu the partner picked in the top bar; kept across sessions.
    active_role = models.ForeignKey(
        "categories.PartnerRole",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("active partner role"),
    )
    # The language picked in the switcher (or the browser's at sign-up). Notifications and
    # emails written outside the partner's own request (a reviewer's decision, a task) use it.
    language = models.CharField(
        _("language"), max_length=16, choices=settings.LANGUAGES, blank=True
    )
    # SPEC §8.1: a partner account is a team. The user who signed up *is* the account (its
    # main account) and owns everything the partner has; a team member points here at the
    # main account it works for, and owns nothing itself. Null: a main account.
    account = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="team_members",
        verbose_name=_("member of the account"),
    )
    # Part of the session hash: changing it ends every session of the user at their next
    # request (a member removed from the team, SPEC §8.2), as a password change does.
    session_stamp = models.CharField(
        max_length=32, blank=True, default="", db_default="", editable=False
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # The stubs expect auth's username-based UserManager here; ours is keyed by email.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(phone_verified=True),
                name="accounts_user_verified_phone_unique",
                violation_error_message=_("This phone number is verified on another account."),
            ),
        ]
        # The admin's account list, newest first (UserAdmin.ordering and its id tie-break).
        indexes = [models.Index(fields=["date_joined", "id"], name="accounts_user_joined")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_team_member(self) -> bool:
        """A member of someone else's partner account (not a main account)."""
        return self.account_id is not None

    @property
    def holder(self) -> "User":
        """The partner account this user acts for: its own, or the main account's."""
        return self.account if self.account_id is not None else self  # type: ignore[return-value]

    def get_session_auth_hash(self) -> str:
        # Unchanged for users whose stamp was never set, so no session ends on upgrade.
        if not self.session_stamp:
            return super().get_session_auth_hash()
        return salted_hmac(
            "accounts.User.session", self.password + self.session_stamp, algorithm="sha256"
        ).hexdigest()

    def end_sessions(self) -> None:
        """End every session of this user at their next request, on every node."""
        self.session_stamp = secrets.token_hex(16)
        User.objects.filter(pk=self.pk).update(session_stamp=self.session_stamp)

    @property
    def is_us_center(self) -> bool:
        return self.center == Center.US

    @property
    def is_blacklisted(self) -> bool:
        return self.blacklisted_at is not None

    @property
    def preferred_language(self) -> str:
        return self.language or settings.LANGUAGE_CODE

    def blacklist(self, *, by: "User | None", reason: str, ip: str | None = None) -> None:
        """SPEC §3.14: a blacklisted account can log in and read, but write nothing.

        `by` is the staff member (or the reviewer whose rejection triggered it); None for the
        system. Blacklisting twice keeps the first date and records nothing more.
        """
        now = timezone.now()
        with transaction.atomic():
            # Claimed with a conditional update so two concurrent calls record one event.
            if not User.objects.filter(pk=self.pk, blacklisted_at=None).update(
                blacklisted_at=now, blacklist_reason=reason
            ):
                self.refresh_from_db(fields=["blacklisted_at", "blacklist_reason"])
                return
            self.blacklisted_at, self.blacklist_reason = now, reason
            AccountEvent.record(
                AccountEvent.Type.BLACKLIST_SET,
                user=self,
                acting_user=by,
                ip=ip,
                details={"reason": reason},
            )

    def lift_blacklist(self, *, by: "User | None", reason: str, ip: str | None = None) -> None:
        """SPEC §8.6: staff lift a blacklist (after an appeal); the reason is kept in the log."""
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("Say why the blacklist is lifted.")
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=self.pk)
            if locked.blacklisted_at is None:
                self.blacklisted_at, self.blacklist_reason = None, ""
                return
            details = {
                "reason": reason,
                "blacklist_reason": locked.blacklist_reason,
                "blacklisted_at": locked.blacklisted_at.isoformat(),
            }
            User.objects.filter(pk=self.pk).update(blacklisted_at=None, blacklist_reason="")
            self.blacklisted_at, self.blacklist_reason = None, ""
            AccountEvent.record(
                AccountEvent.Type.BLACKLIST_LIFTED,
                user=self,
                acting_user=by,
                ip=ip,
                details=details,
            )

    def ensure_can_write(self) -> None:
        """The one rule "a blacklisted account writes nothing": services call this before any
        write (directly or through `accounts.services.writes`), so the shell and tasks obey it.
        A team member writes for the main account, so the account's blacklist is theirs."""
        holder = self.holder
        if holder.is_blacklisted:
            raise AccountBlacklisted(holder)

    def has_verified_email(self) -> bool:
        from allauth.account.models import EmailAddress

        return EmailAddress.objects.filter(
            user=self, email__iexact=self.email, verified=True
        ).exists()

    def change_email(
        self, new_email: str, *, acting_user: "User | None" = None, ip: str | None = None
    ) -> None:
        """Make `new_email` the login email. It must be verified again before submitting.

        `acting_user` is whoever made the change (the user themself unless said otherwise);
        `ip` where from. Both go to the security log, with the old and the new address."""
        from allauth.account.models import EmailAddress

        new_email = new_email.strip().lower()
        validate_login_email(new_email)
        with transaction.atomic():
            old_email = (
                User.objects.select_for_update().values_list("email", flat=True).get(pk=self.pk)
            )
            EmailAddress.objects.filter(user=self).delete()
            self.email = new_email
            self.save(update_fields=["email"])
            EmailAddress.objects.create(user=self, email=new_email, primary=True, verified=False)
            if old_email != new_email:
                AccountEvent.record(
                    AccountEvent.Type.LOGIN_EMAIL_CHANGED,
                    user=self,
                    acting_user=acting_user or self,
                    ip=ip,
                    details={"old": old_email, "new": new_email},
                )

    def phone_verified_elsewhere(self) -> bool:
        return (
            bool(self.phone)
            and User.objects.filter(phone=self.phone, phone_verified=True)
            .exclude(pk=self.pk)
            .exists()
        )

    def verify_phone(self) -> None:
        """A code sent to the number came back: the number is this account's. Accounts that
        typed the same number in without verifying it lose it, so an unverified claim never
        blocks the owner. A number verified on another account stays there (the unique
        constraint refuses the second one); the form says so before calling this."""
        with transaction.atomic():
            User.objects.filter(phone=self.phone, phone_verified=False).exclude(pk=self.pk).update(
                phone=None
            )
            self.phone_verified = True
            self.save(update_fields=["phone_verified"])

    def change_phone(
        self, new_phone, *, acting_user: "User | None" = None, ip: str | None = None
    ) -> None:
        """A new number is unverified until a code sent to it comes back. A different number
        (or none) is written to the security log, old and new, as `change_email` does."""
        with transaction.atomic():
            old_phone = (
                User.objects.select_for_update().values_list("phone", flat=True).get(pk=self.pk)
            )
            self.phone = new_phone or None
            self.phone_verified = False
            self.save(update_fields=["phone", "phone_verified"])
            if str(old_phone or "") != str(self.phone or ""):
                AccountEvent.record(
                    AccountEvent.Type.PHONE_CHANGED,
                    user=self,
                    acting_user=acting_user or self,
                    ip=ip,
                    details={"old": str(old_phone or ""), "new": str(self.phone or "")},
                )

    def change_password(
        self,
        raw_password: str,
        *,
        acting_user: "User | None" = None,
        ip: str | None = None,
        via: str = "",
    ) -> None:
        """Set a new password and write it to the security log (never the password itself).
        `via` says which way it came ("code": the My Account form behind a verification code;
        "reset": the emailed reset link)."""
        with transaction.atomic():
            self.set_password(raw_password)
            self.save(update_fields=["password"])
            AccountEvent.record(
                AccountEvent.Type.PASSWORD_CHANGED,
                user=self,
                acting_user=acting_user or self,
                ip=ip,
                details={"via": via} if via else {},
            )


class AccountBlacklisted(PermissionDenied):
    def __init__(self, user: "User"):
        super().__init__(
            _(
                "Your account is blacklisted (%(reason)s): you can read your data but cannot "
                "submit, create, publish, authorize or change anything."
            )
            % {"reason": user.blacklist_reason or _("compliance decision")}
        )


class AppendOnly(IntegrityError):
    """An account event was to be changed or deleted: the security log is append-only."""


class AccountEventQuerySet(models.QuerySet["AccountEvent"]):
    def update(self, **kwargs):
        raise AppendOnly("The security log is append-only: its events cannot be changed.")

    def delete(self):
        raise AppendOnly("The security log is append-only: its events cannot be deleted.")

    def for_account(self, account: "User"):
        """The events of `account` (a main account), newest first, with their people."""
        return self.filter(user=account).select_related("acting_user", "target_user")


class AccountEvent(models.Model):
    """SPEC §8.5: the security log, one append-only table of what happened to a partner
    account, who did it, to whom and from where (after Zulip's RealmAuditLog).

    `user` is the partner account (its main account) the event belongs to; `acting_user` who
    did it (a member, staff, or None for the system); `target_user` the person it was done
    to, when that is someone else (the member invited, removed, given a role). Rows are
    written by the code that makes the change, in its transaction; nothing edits them.

    Append-only, enforced at each level:

    * the database (migration 0009's triggers, PostgreSQL and SQLite): an UPDATE that changes
      any column is refused, except `acting_user`/`target_user` becoming NULL, which is what
      Django's SET_NULL does when that person's user is deleted (the row stays, "done by"
      reads "System"; PostgreSQL checks at commit that the user is really gone). So
      `save()` of a changed row, `_base_manager.update()` and raw SQL all fail with
      IntegrityError;
    * deleting: on PostgreSQL a deferred trigger refuses, at commit, the deletion of an event
      whose account still exists; so only erasing the account itself (its cascade) removes
      its log. SQLite has no deferred triggers: there deletion is refused by the ORM only;
    * the ORM: `AccountEvent.objects` refuses `update()` and `delete()` (AppendOnly) on
      every database; the admin offers no add, change or delete.

    A later migration that makes SQLite rebuild this table drops its triggers with it: the
    tests in tests/accounts/test_security_log.py then fail, and the migration must create
    them again (see 0009).
    """

    class Type(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        LOGIN_EMAIL_CHANGED = "login_email_changed", _("Login email changed")
        PHONE_CHANGED = "phone_changed", _("Phone number changed")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        MFA_ADDED = "mfa_added", _("Two-factor sign-in added")
        MFA_REMOVED = "mfa_removed", _("Two-factor sign-in removed")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", _("Recovery codes renewed")
        TEAM_MFA_CHANGED = "team_mfa_changed", _("Two-factor requirement changed")
        MEMBER_INVITED = "member_invited", _("Member invited")
        INVITATION_RESENT = "invitation_resent", _("Invitation resent")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        MEMBER_JOINED = "member_joined", _("Member joined")
        MEMBER_LEFT = "member_left", _("Member left")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        MEMBER_ROLE_CHANGED = "member_role_changed", _("Member's role changed")
        ROLE_CREATED = "role_created", _("Role created")
        ROLE_EDITED = "role_edited", _("Role edited")
        ROLE_DELETED = "role_deleted", _("Role deleted")
        SECRET_REVEALED = "secret_revealed", _("App secret revealed")
        SECRET_ROTATED = "secret_rotated", _("App secret rotated")
        BLACKLIST_SET = "blacklist_set", _("Blacklist set")
        BLACKLIST_LIFTED = "blacklist_lifted", _("Blacklist lifted")
        APPEAL_FILED = "appeal_filed", _("Appeal filed")
        APPEAL_UPHELD = "appeal_upheld", _("Appeal decided: blacklist upheld")
        APPEAL_LIFTED = "appeal_lifted", _("Appeal decided: blacklist lifted")
        # The developer console (what an app may reach through the Open API, and from where).
        APP_SCOPES_CHANGED = "app_scopes_changed", _("App scopes changed")
        SCOPE_REQUESTED = "scope_requested", _("Restricted scope requested")
        SCOPE_APPROVED = "scope_approved", _("Restricted scope approved")
        SCOPE_REJECTED = "scope_rejected", _("Restricted scope rejected")
        ALLOW_LIST_CHANGED = "allow_list_changed", _("API IP allow-list changed")
        TEST_SHOP_CREATED = "test_shop_created", _("Test shop created")
        TEST_SHOP_DELETED = "test_shop_deleted", _("Test shop deleted")

    event_type = models.CharField(_("event"), max_length=40, choices=Type.choices)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="account_events", verbose_name=_("account")
    )
    acting_user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    target_user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done to"),
    )
    # What the event was about, as the partner reads it (an app's name and key, an email
    # invited, a role's name): kept as text so the row still reads after the thing is gone.
    target = models.CharField(_("about"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AccountEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["user", "event_type", "created_at"], name="accounts_event_type"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()}: {self.user_id}"

    @classmethod
    def record(
        cls,
        event_type: str,
        *,
        user: User,
        acting_user: User | None,
        ip: str | None = None,
        details: dict | None = None,
        target_user: User | None = None,
        target: str = "",
    ) -> "AccountEvent":
        """Append one row. `user` may be a team member: the row goes to their account."""
        return cls.objects.create(
            event_type=event_type,
            user=user.holder,
            acting_user=acting_user,
            target_user=target_user,
            target=str(target)[:255],
            ip=ip,
            details=details or {},
        )


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Purpose(models.TextChoices):
    CHANGE_EMAIL = "change_email", _("Change login email")
    CHANGE_PHONE = "change_phone", _("Change phone number")
    CHANGE_PASSWORD = "change_password", _("Change password")
    VERIFY_PHONE = "verify_phone", _("Verify phone number")


class VerificationCodeQuerySet(models.QuerySet["VerificationCode"]):
    def live(self):
        return self.filter(used_at=None, expires_at__gt=timezone.now())


class VerificationCode(models.Model):
    """SPEC §1.5: a 6-digit code, 10 minutes, single use, limited attempts.

    Only a keyed hash of the code is stored, so a database dump reveals no live code.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="verification_codes")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    destination = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = VerificationCodeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} code for {self.user}"

    @staticmethod
    def _hash(code: str) -> str:
        return salted_hmac("accounts.VerificationCode", code, algorithm="sha256").hexdigest()

    @classmethod
    def issue(
        cls, *, user: User, purpose: str, channel: str, destination: str
    ) -> tuple["VerificationCode", str]:
        """Replace any live code for this purpose with a fresh one; return it and its digits."""
        code = f"{secrets.randbelow(10**6):06d}"
        now = timezone.now()
        with transaction.atomic():
            cls.objects.live().filter(user=user, purpose=purpose).update(used_at=now)
            row = cls.objects.create(
                user=user,
                purpose=purpose,
                channel=channel,
                destination=destination,
                code_hash=cls._hash(code),
                created_at=now,
                expires_at=now + timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS),
            )
        return row, code

    @property
    def attempts_left(self) -> int:
        return max(0, settings.VERIFICATION_CODE_MAX_ATTEMPTS - self.attempts)

    def check_and_use(self, code: str) -> bool:
        """Count the attempt and, when the code matches, consume it (once, even under races)."""
        matches = constant_time_compare(self._hash(code.strip()), self.code_hash)
        live = VerificationCode.objects.live().filter(
            pk=self.pk, attempts__lt=settings.VERIFICATION_CODE_MAX_ATTEMPTS
        )
        if matches:
            claimed = live.update(used_at=timezone.now(), attempts=models.F("attempts") + 1)
        else:
            claimed = 0
            live.update(attempts=models.F("attempts") + 1)
        self.refresh_from_db(fields=["attempts", "used_at"])
        return claimed == 1
