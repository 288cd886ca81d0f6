"""One function per message the onboarding app sends.

Each is written in the recipient's language, not the language of the request (a reviewer's)
or of the worker that happens to build it.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import field_label
from .models import (
    MAX_CONSECUTIVE_REJECTIONS,
    QUESTIONNAIRE_CONTACTS,
    Application,
    ComplianceReview,
    Notification,
    QuestionnaireRegion,
)


def decision_notification(application: Application, *, approved: bool) -> dict:
    """The in-app notification (and email) for a review decision, as Notification fields."""
    with translation.override(application.user.preferred_language):
        return _decision_notification(application, approved=approved)


def _decision_notification(application: Application, *, approved: bool) -> dict:
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
        "title": title
        % {"category": application.category.display_name, "market": application.market},
        "body": render_to_string("onboarding/email/decision_message.txt", context).strip(),
        "url": application.get_absolute_url(),
    }


def questionnaire_text(region: str) -> str:
    """The due-diligence questionnaire of a region's Partner Development & Management team."""
    region = QuestionnaireRegion(region)
    context = {"region": region, "contact": QUESTIONNAIRE_CONTACTS[region]}
    return render_to_string(f"onboarding/email/questionnaire_{region.value}.txt", context).strip()


def questionnaire_notification(review: ComplianceReview) -> dict:
    """SPEC §3.14: the questionnaire the partner requested, for their region."""
    region = QuestionnaireRegion(review.questionnaire_region)
    with translation.override(review.user.preferred_language):
        return {
            "user": review.user,
            "kind": Notification.Kind.QUESTIONNAIRE,
            "title": _("Due-diligence questionnaire (%(region)s)") % {"region": region.label},
            "body": questionnaire_text(region),
            "url": review.get_absolute_url(),
        }


# Lazy: the module is imported once, the titles are read in each recipient's language.
SECURITY_REVIEW_TITLES = {
    "required": (Notification.Kind.COMPLIANCE_REQUIRED, gettext_lazy("Compliance review required")),
    "approved": (Notification.Kind.SECURITY_APPROVED, gettext_lazy("Security review approved")),
    "rejected": (Notification.Kind.SECURITY_REJECTED, gettext_lazy("Security review not approved")),
    "blacklisted": (
        Notification.Kind.ACCOUNT_BLACKLISTED,
        gettext_lazy("Security review not approved: your account is blacklisted"),
    ),
}


def security_review_notification(review: ComplianceReview, *, outcome: str) -> dict:
    """A reviewer's word on the compliance review: required, approved, rejected, or
    rejected for the last allowed time (the account is blacklisted)."""
    kind, title = SECURITY_REVIEW_TITLES[outcome]
    context = {"review": review, "outcome": outcome, "limit": MAX_CONSECUTIVE_REJECTIONS}
    with translation.override(review.user.preferred_language):
        return {
            "user": review.user,
            "kind": kind,
            "title": str(title),
            "body": render_to_string(
                "onboarding/email/security_review_message.txt", context
            ).strip(),
            "url": review.get_absolute_url(),
        }


def send_notification(notification: Notification) -> None:
    """Email a notification. The Message-ID is derived from the row, so if a worker dies
    after the SMTP server accepted the message but before the row was marked sent, the copy
    the sweep sends carries the same id and mail systems treat it as one message."""
    with translation.override(notification.user.preferred_language):
        subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.title}"
        body = render_to_string(
            "onboarding/email/notification_message.txt",
            {"notification": notification, "base_url": settings.PORTAL_BASE_URL},
        )
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[notification.user.email],
        headers={"Message-ID": f"<notification-{notification.pk}@partner-center>"},
    )
    message.send()
