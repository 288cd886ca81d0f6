"""SPEC §8.5: two-factor sign-in changes in the security log.

allauth.mfa makes these changes in its own views and flows; its signals are the documented
place to learn of them (the portal has no code of its own on that path to write the rows in),
so this small module listens to them, connected in AccountsConfig.ready(). It records only:
the rules about who must use two-factor sign-in live in teams.middleware.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import (
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
    authenticator_used,
)

from partner_center.throttle import client_ip

from .models import AccountEvent

# Recovery codes come and go with the authenticator app (allauth makes them with the first
# one and drops them with the last): the app's rows say it; these would only repeat it.
_RECOVERY_CODES = Authenticator.Type.RECOVERY_CODES


def _record(event_type: str, *, request, user, authenticator: Authenticator, **details) -> None:
    AccountEvent.record(
        event_type,
        user=user,
        acting_user=user,
        ip=client_ip(request) if request is not None else None,
        details={"authenticator": authenticator.type, **details},
    )


def on_authenticator_added(sender, *, request, user, authenticator, **kwargs) -> None:
    if authenticator.type != _RECOVERY_CODES:
        _record(
            AccountEvent.Type.MFA_ADDED, request=request, user=user, authenticator=authenticator
        )


def on_authenticator_removed(sender, *, request, user, authenticator, **kwargs) -> None:
    if authenticator.type != _RECOVERY_CODES:
        _record(
            AccountEvent.Type.MFA_REMOVED, request=request, user=user, authenticator=authenticator
        )


def on_authenticator_reset(sender, *, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == _RECOVERY_CODES:
        _record(
            AccountEvent.Type.RECOVERY_CODES_REGENERATED,
            request=request,
            user=user,
            authenticator=authenticator,
        )


def on_authenticator_used(
    sender, *, request, user, authenticator, reauthenticated=False, **kwargs
) -> None:
    if authenticator.type == _RECOVERY_CODES:
        _record(
            AccountEvent.Type.RECOVERY_CODE_USED,
            request=request,
            user=user,
            authenticator=authenticator,
            reauthenticated=bool(reauthenticated),
        )


def connect() -> None:
    authenticator_added.connect(on_authenticator_added, dispatch_uid="accounts.mfa_added")
    authenticator_removed.connect(on_authenticator_removed, dispatch_uid="accounts.mfa_removed")
    authenticator_reset.connect(on_authenticator_reset, dispatch_uid="accounts.mfa_reset")
    authenticator_used.connect(on_authenticator_used, dispatch_uid="accounts.mfa_used")
