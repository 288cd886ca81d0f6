"""An app's IP allow-list (SPEC §9.7): the addresses and CIDR ranges its Open API calls may
come from; an empty list lets them come from anywhere. The gateway checks it on every call
(open_api/policy.py); every edit is audited in the account's security log and the app's
history, and renews the app's credentials generation so every process applies it at once."""

import ipaddress

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import AccountEvent, User
from accounts.permissions import Module, ensure
from apps_services import credentials
from apps_services.models import App, AppEvent

from .models import AllowedNetwork, parse_network


def normalize_network(value: str) -> str:
    """The canonical text of an address or range (IPv6 compressed, lower case; a single
    address without its /32 or /128), or a ValidationError that says what is wrong with it."""
    text = (value or "").strip()
    try:
        network = parse_network(text)
    except ValueError as exc:
        if "has host bits set" in str(exc):
            range_ = ipaddress.ip_network(text, strict=False)
            raise ValidationError(
                _(
                    "%(value)s has host bits set: the range it falls in is %(range)s. Enter "
                    "%(range)s, or the single address without a prefix length."
                )
                % {"value": text, "range": range_}
            ) from exc
        raise ValidationError(
            _(
                "“%(value)s” is not an IP address or a CIDR range. Enter an IPv4 or IPv6 "
                "address (203.0.113.7, 2001:db8::7) or a range (203.0.113.0/24, 2001:db8::/48)."
            )
            % {"value": text}
        ) from exc
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def _audit(*, app: App, by: User, ip: str | None, action: str, network: str) -> None:
    """The security log's row (the account's) and the app's own history."""
    AccountEvent.record(
        AccountEvent.Type.ALLOW_LIST_CHANGED,
        user=app.owner,
        acting_user=by,
        ip=ip,
        target=app.app_key,
        details={action: network, "app": f"{app.name} ({app.app_key})"},
    )
    if action == "added":
        note = _("IP allow-list: %(network)s added") % {"network": network}
    else:
        note = _("IP allow-list: %(network)s removed") % {"network": network}
    AppEvent.objects.create(app=app, by=by, kind=AppEvent.Kind.EDITED, note=note, ip=ip)


def add_allowed_network(
    *, app_id: int, by: User, network: str, note: str = "", ip: str | None = None
) -> AllowedNetwork:
    """Allow the app's calls from `network` (an address or a CIDR range). ValidationError
    for bad input or a network already on the list (a member needs App & Service)."""
    owner = ensure(by, Module.APPS)
    by.ensure_can_write()
    canonical = normalize_network(network)
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app_id, owner=owner)
        if app.allowed_networks.filter(network=canonical).exists():
            raise ValidationError(_("%(network)s is already on the list.") % {"network": canonical})
        try:
            with transaction.atomic():
                allowed = AllowedNetwork.objects.create(
                    app=app, network=canonical, note=note.strip(), created_by=by
                )
        except IntegrityError as exc:  # added at the same moment by someone else
            raise ValidationError(
                _("%(network)s is already on the list.") % {"network": canonical}
            ) from exc
        _audit(app=app, by=by, ip=ip, action="added", network=canonical)
        credentials.changed([app.app_key])
    return allowed


def remove_allowed_network(
    *, app_id: int, by: User, network_id: int, ip: str | None = None
) -> str | None:
    """Remove one entry; the network removed, or None when it was already gone. Removing the
    last one lets calls come from anywhere again."""
    owner = ensure(by, Module.APPS)
    by.ensure_can_write()
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app_id, owner=owner)
        allowed = app.allowed_networks.filter(pk=network_id).first()
        if allowed is None:
            return None
        allowed.delete()
        _audit(app=app, by=by, ip=ip, action="removed", network=allowed.network)
        credentials.changed([app.app_key])
    return allowed.network
