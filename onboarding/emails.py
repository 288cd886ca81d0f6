"""One function per message the onboarding app sends, and how its notifications read.

A notification is stored as a kind and its params; `notification_text` writes it in the
active language, so the inbox reads in the reader's language whenever it is opened, and an
email in the recipient's saved language, not the language of the request (a reviewer's) or
of the worker that happens to send it. Every link starts with PORTAL_BASE_URL.
"""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.permissions import Module
from categories.models import translated
from notifications import registry
from notifications.models import Notification

from .models import Application, field_label


def decision_notification(application: Application, *, approved: bool) -> dict:
    """The in-app notification (and email) for a review decision, as Notification fields."""
    category = application.category
    params = {
        "category": category.name,
        "first_level": category.first_level,
        "market": application.market.name,
    }
    if not approved:
        params["reason"] = application.rejection_reason
        params["field_reasons"] = application.field_reasons
    kind = (
        Notification.Kind.APPLICATION_APPROVED
        if approved
        else Notification.Kind.APPLICATION_REJECTED
    )
    return Notification.compose(
        user=application.user, kind=kind, params=params, url=application.get_absolute_url()
    )


def notification_text(notification: Notification) -> tuple[str, str]:
    """(title, body) of a decision notification in the active language, from its params.

    Rows written before notifications kept their params show the text they were written with.
    """
    params, kind = notification.params, notification.kind
    if not params:
        return notification.title, notification.body
    return _decision_text(params, approved=kind == Notification.Kind.APPLICATION_APPROVED)


def _decision_text(params: dict, *, approved: bool) -> tuple[str, str]:
    name, market = translated(params["category"]), translated(params["market"])
    first_level = translated(params.get("first_level", ""))
    # The template reads the application's fields; these are the same, as they were then.
    application = {
        "category": f"{first_level} › {name}" if first_level else name,
        "market": {"display_name": market},
        "rejection_reason": params.get("reason", ""),
    }
    reasons = [(field_label(k), v) for k, v in params.get("field_reasons", {}).items()]
    context = {"application": application, "approved": approved, "field_reasons": reasons}
    if approved:
        title = _("Approved: %(category)s in %(market)s")
    else:
        title = _("Not approved: %(category)s in %(market)s")
    body = render_to_string("onboarding/email/decision_message.txt", context).strip()
    return title % {"category": name, "market": market}, body


class DecisionRenderer(registry.Renderer):
    """A review decision on a category application."""

    def text(self, notification):
        return notification_text(notification)

    def link_label(self, notification):
        if notification.kind == Notification.Kind.APPLICATION_REJECTED:
            return str(_("Open the application and fix it"))
        return str(_("Open the application"))


def register_notification_renderers() -> None:
    """Called from OnboardingConfig.ready(): how onboarding's notifications read."""
    kinds = Notification.Kind
    registry.register(
        DecisionRenderer(),
        kinds.APPLICATION_APPROVED,
        kinds.APPLICATION_REJECTED,
        module=Module.PROFILE,
    )
