"""One function per message of the scope review: the staff's word on a restricted scope an
app requested, and how these notifications read (registered with `notifications.registry`
from OpenApiConfig.ready())."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import Module
from notifications import registry
from notifications.models import Notification

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from .models import AppScope

SCOPE_APPROVED = Notification.Kind.SCOPE_APPROVED
SCOPE_REJECTED = Notification.Kind.SCOPE_REJECTED
SCOPE_TITLES: "dict[str, StrOrPromise]" = {
    SCOPE_APPROVED: gettext_lazy("Restricted scope approved"),
    SCOPE_REJECTED: gettext_lazy("Restricted scope not approved"),
}


def scope_decision_notification(app_scope: "AppScope", *, url: str) -> dict:
    """Staff approved or rejected a restricted scope the app asked for, with their note."""
    approved = app_scope.state == app_scope.State.GRANTED
    params = {
        "app": app_scope.app.name,
        "scope": app_scope.scope_id,
        "note": app_scope.decision_note,
    }
    return Notification.compose(
        user=app_scope.app.owner,
        kind=SCOPE_APPROVED if approved else SCOPE_REJECTED,
        params=params,
        url=url,
    )


def scope_decision_text(notification: Notification) -> tuple[str, str]:
    params = notification.params
    if notification.kind == SCOPE_APPROVED:
        body = _(
            "%(app)s now holds the scope %(scope)s. Sellers who authorized the app before "
            "must authorize it again to grant it."
        ) % {"app": params["app"], "scope": params["scope"]}
    else:
        body = _(
            "The request of %(app)s for the scope %(scope)s was not approved. You can "
            "request it again with a new reason."
        ) % {"app": params["app"], "scope": params["scope"]}
    if params.get("note"):
        body = f"{body}\n\n{_('Reviewer note: %(note)s') % {'note': params['note']}}"
    return str(SCOPE_TITLES[notification.kind]), body


class ScopeDecisionRenderer(registry.Renderer):
    """The decision on a restricted scope request."""

    def text(self, notification):
        if not notification.params:
            return notification.title, notification.body
        return scope_decision_text(notification)

    def link_label(self, notification):
        return str(_("Open the app's scopes"))


def register_notification_renderers() -> None:
    """Called from OpenApiConfig.ready(): an app's scopes are App & Service's business."""
    registry.register(ScopeDecisionRenderer(), *SCOPE_TITLES, module=Module.APPS)
