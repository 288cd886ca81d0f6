"""Scopes per app: what an app chooses, what staff decide, and what a call may reach.

An unrestricted scope is granted as soon as the developer ticks it; a restricted one is
requested with a reason and counts once staff approve it (TikTok Shop, Lazada and Amazon
all work this way). Every change writes the account's security log and calls
`credentials.changed`, so the API's processes drop what they hold for the app (below).

On the Open API's hot path, a call's scope check costs nothing once warm: the seller's grant
travels in the token's cached `Access` (access.py), and the app's scopes with the catalog's
endpoint map are held per process under the app's credentials generation.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from accounts.models import AccountEvent, User
from accounts.permissions import Module, ensure
from apps_services import credentials
from apps_services.models import App, AppDeactivated
from notifications.services import announce

from . import emails
from .models import DEFAULT_SCOPES, AppScope, Scope
from .services import ApiRefusal, ErrorCode

logger = logging.getLogger(__name__)

# A reason shorter than this says nothing a reviewer can weigh.
MIN_REASON_LENGTH = 30
MAX_ENTRIES = 10_000


class ScopeRefused(Exception):
    """A scope change that cannot happen; the message says why, to the person asking."""


def _owned_app(*, app_id: int, by: User) -> App:
    owner = ensure(by, Module.APPS)
    by.ensure_can_write()
    app = App.objects.get(pk=app_id, owner=owner)
    if app.is_deactivated:
        raise ScopeRefused(AppDeactivated().args[0])
    return app


def _record(event_type: str, *, app: App, by: User, **details) -> None:
    AccountEvent.record(
        event_type,
        user=app.owner,
        acting_user=by,
        target=app.name,
        details={"app": app.pk, **details},
    )


def choose_scopes(*, app_id: int, by: User, keys: set[str]) -> tuple[list[str], list[str]]:
    """The developer ticks the unrestricted scopes the app asks for: the ticked ones are
    granted at once, the others removed. Restricted scopes are left alone (they are
    requested and withdrawn one by one). Returns (added, removed) keys."""
    with transaction.atomic():
        app = _owned_app(app_id=app_id, by=by)
        App.objects.select_for_update().filter(pk=app.pk).get()
        open_scopes = {scope.key for scope in Scope.objects.filter(restricted=False)}
        held = set(
            AppScope.objects.filter(app=app, scope__restricted=False).values_list(
                "scope_id", flat=True
            )
        )
        wanted = set(keys) & open_scopes
        added = sorted(wanted - held)
        removed = sorted(held - wanted)
        if not added and not removed:
            return [], []
        AppScope.objects.filter(app=app, scope_id__in=removed).delete()
        AppScope.objects.bulk_create(
            [
                AppScope(app=app, scope_id=key, requested_by=by, decided_at=timezone.now())
                for key in added
            ]
        )
        _record(AccountEvent.Type.APP_SCOPES_CHANGED, app=app, by=by, added=added, removed=removed)
        credentials.changed([app.app_key])
    return added, removed


def request_scope(*, app_id: int, by: User, scope_key: str, reason: str) -> AppScope:
    """Ask staff for a restricted scope, saying why; after a rejection, ask again with a
    new reason."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ScopeRefused(
            _("Tell the reviewers why the app needs this scope (at least %(count)d characters).")
            % {"count": MIN_REASON_LENGTH}
        )
    with transaction.atomic():
        app = _owned_app(app_id=app_id, by=by)
        scope = Scope.objects.get(key=scope_key)
        if not scope.restricted:
            raise ScopeRefused(_("This scope needs no request: tick it instead."))
        row = AppScope.objects.select_for_update().filter(app=app, scope=scope).first()
        if row is None:
            row = AppScope.objects.create(
                app=app,
                scope=scope,
                state=AppScope.State.REQUESTED,
                reason=reason,
                requested_by=by,
            )
        elif can_proceed(row.request_again):
            row.request_again(by=by, reason=reason)
            row.save()
        else:
            raise ScopeRefused(
                _("This scope is %(state)s already.") % {"state": row.get_state_display()}
            )
        _record(AccountEvent.Type.SCOPE_REQUESTED, app=app, by=by, scope=scope.key, reason=reason)
        credentials.changed([app.app_key])
    return row


def withdraw_scope(*, app_id: int, by: User, scope_key: str) -> None:
    """Withdraw a restricted scope's request, or give up a restricted scope the app holds
    (asking for it again means a new request)."""
    with transaction.atomic():
        app = _owned_app(app_id=app_id, by=by)
        row = (
            AppScope.objects.select_for_update()
            .filter(app=app, scope_id=scope_key, scope__restricted=True)
            .exclude(state=AppScope.State.REJECTED)
            .first()
        )
        if row is None:
            raise ScopeRefused(_("The app neither holds nor requested this scope."))
        state = row.state
        row.delete()
        _record(
            AccountEvent.Type.APP_SCOPES_CHANGED,
            app=app,
            by=by,
            added=[],
            removed=[scope_key],
            withdrawn=state == AppScope.State.REQUESTED,
        )
        credentials.changed([app.app_key])


def decide_scope_request(*, app_scope_id: int, by: User, approve: bool, note: str) -> AppScope:
    """Staff approve or reject a restricted scope request (needs open_api.decide_scope).

    The row is locked, so of two staff deciding at once the second finds it decided. The
    decision is in the account's security log and announced in-app, and by email once it
    commits. A rejection needs a note: the developer reads it.
    """
    note = (note or "").strip()
    if not approve and not note:
        raise ScopeRefused(_("Tell the developer why the request is rejected."))
    step = "approve" if approve else "reject"
    with transaction.atomic():
        row = (
            AppScope.objects.select_for_update().select_related("app", "scope").get(pk=app_scope_id)
        )
        if not can_proceed(getattr(row, step)):
            raise ScopeRefused(
                _("This request was decided already (%(state)s). Nothing was changed.")
                % {"state": row.get_state_display()}
            )
        try:
            getattr(row, step)(by=by, note=note)
        except PermissionError as exc:
            raise ScopeRefused(_("You may not decide scope requests.")) from exc
        row.save()
        event = AccountEvent.Type.SCOPE_APPROVED if approve else AccountEvent.Type.SCOPE_REJECTED
        _record(event, app=row.app, by=by, scope=row.scope_id, note=note)
        url = reverse("console:scopes", kwargs={"pk": row.app_id})
        announce(**emails.scope_decision_notification(row, url=url))
        credentials.changed([row.app.app_key])
    logger.info("Scope request %s %sd.", row.pk, step)
    return row


def grant_default_scopes(app: App) -> None:
    """What a new app holds (models.DEFAULT_SCOPES), so the standard flow works at once."""
    Scope.objects.ensure_catalog()
    AppScope.objects.bulk_create(
        [AppScope(app=app, scope_id=key) for key in DEFAULT_SCOPES], ignore_conflicts=True
    )


# --- What a call may reach (the API's hot path) --------------------------------------------


@dataclass(frozen=True)
class Reach:
    """The app's granted scopes and the catalog's {endpoint: covering scopes}."""

    app_scopes: frozenset[str]
    covering: dict[str, tuple[str, ...]]


_held: dict[str, tuple[str, Reach]] = {}


def reach(*, app_id: int, app_key: str, generation: str) -> Reach:
    """The app's Reach, read once per process and credentials generation (one query)."""
    held = _held.get(app_key)
    if held is not None and held[0] == generation:
        return held[1]
    # One query: the catalog, each scope marked when the app holds it.
    marked = (
        Scope.objects.order_by("position", "key")
        .annotate(
            held=Exists(AppScope.objects.granted().filter(app_id=app_id, scope_id=OuterRef("pk")))
        )
        .values_list("key", "endpoints", "held")
    )
    covering: dict[str, list[str]] = {}
    app_scopes = set()
    for key, endpoints, is_held in marked:
        if is_held:
            app_scopes.add(key)
        for endpoint in endpoints or ():
            covering.setdefault(endpoint, []).append(key)
    found = Reach(
        app_scopes=frozenset(app_scopes),
        covering={endpoint: tuple(keys) for endpoint, keys in covering.items()},
    )
    if len(_held) >= MAX_ENTRIES:
        _held.clear()
    _held[app_key] = (generation, found)
    return found


def ensure_scope(found: Reach, *, endpoint: str, seller_scopes) -> None:
    """ApiRefusal 105005, naming the scope, unless both the app and the seller hold one of
    the scopes covering `endpoint`. An endpoint no scope covers needs none."""
    needed = found.covering.get(endpoint)
    if not needed:
        return
    held = [key for key in needed if key in found.app_scopes]
    if not held:
        raise ApiRefusal(
            ErrorCode.SCOPE_NOT_GRANTED,
            f"{endpoint} needs scope {needed[0]}, which this app does not hold. Add it on the "
            "app's Scopes page in Partner Center; then ask the seller to authorize the app "
            "again.",
        )
    if not any(key in seller_scopes for key in held):
        raise ApiRefusal(
            ErrorCode.SCOPE_NOT_GRANTED,
            f"{endpoint} needs scope {held[0]}, which the seller did not grant this app. Send "
            "the seller the authorization link: the consent page asks for it.",
        )


def forget_all() -> None:
    """Drop what this process holds (tests start afresh)."""
    _held.clear()
