"""One function per message the onboarding app sends."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .forms import field_label
from .models import Application, Notification


def decision_notification(application: Application, *, approved: bool) -> dict:
    """The in-app notification (and email) for a review decision, as Notification fields."""
    reasons = [(field_label(k), v) for k, v in application.field_reasons.items()]
    context = {"application": application, "approved": approved, "field_reasons": reasons}
    if approved:
        kind = Notification.Kind.APPLICATION_APPROVED
        title = _("Approved: %(category)s in %(market)s")
    else:
        kind = Notification.Kind.APPLICATION_REJECTED
        title = _("Not approved: %(category)s in %(market)s")
    return {
        "user": application.user,
        "kind": kind,
        "title": title % {"category": application.category.name, "market": application.market},
        "body": render_to_string("onboarding/email/decision_message.txt", context).strip(),
        "url": application.get_absolute_url(),
    }


def send_notification(notification: Notification) -> None:
    """Email a notification. The Message-ID is derived from the row, so if a worker dies
    after the SMTP server accepted the message but before the row was marked sent, the copy
    the sweep sends carries the same id and mail systems treat it as one message."""
    body = render_to_string(
        "onboarding/email/notification_message.txt",
        {"notification": notification, "base_url": settings.PORTAL_BASE_URL},
    )
    message = EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.title}",
        body=body,
        to=[notification.user.email],
        headers={"Message-ID": f"<notification-{notification.pk}@partner-center>"},
    )
    message.send()
