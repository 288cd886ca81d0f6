"""One function per message the onboarding app sends.

A notification is stored as a kind and its params; `notification_text` writes it in the
active language, so the inbox reads in the reader's language whenever it is opened, and an
email in the recipient's saved language, not the language of the request (a reviewer's) or
of the worker that happens to send it. Every link starts with PORTAL_BASE_URL.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from categories.models import translated
from partner_center.links import portal_url

from .forms import field_label
from .models import Application, Notification


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
    return _notification(application.user, kind, params, application.get_absolute_url())


def _notification(user, kind: str, params: dict, url: str) -> dict:
    """Notification fields: the message as data, plus its text in the recipient's language
    today (what support searches, and what the row says should its kind ever go away)."""
    row = Notification(user=user, kind=kind, params=params, url=url)
    with translation.override(user.preferred_language):
        title, body = notification_text(row)
    return {"user": user, "kind": kind, "params": params, "title": title, "body": body, "url": url}


def notification_text(notification: Notification) -> tuple[str, str]:
    """(title, body) of a notification in the active language, from its kind and params.

    Rows written before notifications kept their params show the text they were written with.
    """
    params, kind = notification.params, notification.kind
    if not params:
        return notification.title, notification.body
    if kind in (Notification.Kind.APPLICATION_APPROVED, Notification.Kind.APPLICATION_REJECTED):
        return _decision_text(params, approved=kind == Notification.Kind.APPLICATION_APPROVED)
    from compliance import emails as compliance_emails  # it builds on this module

    if kind in compliance_emails.KINDS:
        return compliance_emails.notification_text(params, kind)
    return notification.title, notification.body


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


def send_notification(notification: Notification) -> None:
    """Email a notification. The Message-ID is derived from the row, so if a worker dies
    after the SMTP server accepted the message but before the row was marked sent, the copy
    the sweep sends carries the same id and mail systems treat it as one message."""
    with translation.override(notification.user.preferred_language):
        subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.display_title}"
        link = portal_url(notification.url) if notification.url else ""
        body = render_to_string(
            "onboarding/email/notification_message.txt",
            {"notification": notification, "link": link},
        )
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[notification.user.email],
        headers={"Message-ID": f"<notification-{notification.pk}@partner-center>"},
    )
    message.send()
