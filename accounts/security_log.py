"""SPEC §8.5: how the security log is read: its groups of events, who did each, and its
details in words. The rows themselves (and the rule that they are never changed) live on
`AccountEvent`; the code that makes a change writes its row with `AccountEvent.record()`.
"""

import ipaddress
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from categories.models import Center

from .models import AccountEvent, User

Type = AccountEvent.Type

# The filter's groups, in the order the page lists them. Every type is in exactly one.
GROUPS = [
    (
        _("Sign-in & credentials"),
        [Type.SIGNED_UP, Type.LOGIN_EMAIL_CHANGED, Type.PHONE_CHANGED, Type.PASSWORD_CHANGED],
    ),
    (
        _("Two-factor"),
        [
            Type.MFA_ADDED,
            Type.MFA_REMOVED,
            Type.RECOVERY_CODE_USED,
            Type.RECOVERY_CODES_REGENERATED,
            Type.TEAM_MFA_CHANGED,
        ],
    ),
    (
        _("Team"),
        [
            Type.MEMBER_INVITED,
            Type.INVITATION_RESENT,
            Type.INVITATION_REVOKED,
            Type.MEMBER_JOINED,
            Type.MEMBER_LEFT,
            Type.MEMBER_REMOVED,
            Type.MEMBER_ROLE_CHANGED,
            Type.ROLE_CREATED,
            Type.ROLE_EDITED,
            Type.ROLE_DELETED,
        ],
    ),
    (_("App secrets"), [Type.SECRET_REVEALED, Type.SECRET_ROTATED]),
    (
        _("Developer console"),
        [
            Type.APP_SCOPES_CHANGED,
            Type.SCOPE_REQUESTED,
            Type.SCOPE_APPROVED,
            Type.SCOPE_REJECTED,
            Type.ALLOW_LIST_CHANGED,
            Type.TEST_SHOP_CREATED,
            Type.TEST_SHOP_DELETED,
        ],
    ),
    (
        _("Blacklist & appeals"),
        [
            Type.BLACKLIST_SET,
            Type.BLACKLIST_LIFTED,
            Type.APPEAL_FILED,
            Type.APPEAL_UPHELD,
            Type.APPEAL_LIFTED,
        ],
    ),
]

# "Done by" beyond the account's own people.
STAFF, SYSTEM = "staff", "system"

# The words for the details' keys the recording code uses; any other key reads as itself.
DETAIL_LABELS = {
    "reason": _("reason"),
    "old": _("before"),
    "new": _("after"),
    "via": _("how"),
    "role": _("role"),
    "old_role": _("previous role"),
    "new_role": _("new role"),
    "email": _("email"),
    "center": _("Partner Center"),
    "blacklist_reason": _("blacklist reason"),
    "blacklisted_at": _("blacklisted at"),
}
DETAIL_VALUES = {
    ("via", "code"): _("My Account, with a verification code"),
    ("via", "reset"): _("password reset link"),
    ("via", "admin"): _("Partner Center staff, in the admin"),
    **{("center", value): label for value, label in Center.choices},
}


def request_ip(request) -> str | None:
    """The client's address for the log, whole (the throttle's `client_ip` keeps only an
    IPv6 /64): as allauth sees it, so TRUSTED_PROXY_COUNT applies. None when unknown."""
    from allauth.account.adapter import get_adapter

    try:
        ip = get_adapter().get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        # A forwarded-for header shorter than the proxy count: the connection's address.
        ip = request.META.get("REMOTE_ADDR")
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def actor_label(event: AccountEvent) -> str:
    """Who did it, as the partner reads it: staff are not named to partners."""
    actor = event.acting_user
    if actor is None:
        return str(_("System"))
    if actor.is_staff:
        return str(_("Partner Center staff"))
    return actor.email


def detail_items(event: AccountEvent) -> list[tuple[str, str]]:
    """The details as (label, text) pairs: the known keys in DETAIL_LABELS' order, then the
    others alphabetically (PostgreSQL's jsonb keeps no order of its own)."""
    order = {key: n for n, key in enumerate(DETAIL_LABELS)}
    details = event.details or {}
    items = []
    for key in sorted(details, key=lambda k: (order.get(k, len(order)), k)):
        value = details[key]
        label = DETAIL_LABELS.get(key, key.replace("_", " "))
        items.append((str(label), _detail_text(key, value)))
    return items


def _detail_text(key: str, value) -> str:
    if isinstance(value, str) and (key, value) in DETAIL_VALUES:
        return str(DETAIL_VALUES[key, value])
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dict):
        return ", ".join(
            f"{k.replace('_', ' ')}: {_detail_text(k, v)}" for k, v in sorted(value.items())
        )
    if isinstance(value, list):
        return ", ".join(_detail_text(key, item) for item in value)
    return str(value)


def actors(account: User):
    """The people who may appear as "done by" in the filter: the account and its members."""
    return User.objects.filter(Q(pk=account.pk) | Q(account=account)).order_by("email")


def filter_events(
    events,
    *,
    event_type: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
):
    """`events` narrowed by the page's filters (each optional); dates are whole days, both
    included, in the current time zone."""
    if event_type:
        events = events.filter(event_type=event_type)
    if actor == STAFF:
        events = events.filter(acting_user__is_staff=True)
    elif actor == SYSTEM:
        events = events.filter(acting_user=None)
    elif actor:
        events = events.filter(acting_user_id=actor)
    zone = timezone.get_current_timezone()
    if since:
        events = events.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until:
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
        events = events.filter(created_at__lt=end)
    return events
