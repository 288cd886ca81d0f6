"""One function per message the onboarding app sends, and how its notifications read.

A notification is stored as a kind and its params; `notification_text` writes it in the
active language, so the inbox reads in the reader's language whenever it is opened, and an
email in the recipient's saved language, not the language of the request (a reviewer's) or
of the worker that happens to send it. Every link starts with PORTAL_BASE_URL.
"""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from categories.models import translated
from notifications import registry
from notifications.models import Notification

from .models import (
    MAX_CONSECUTIVE_REJECTIONS,
    QUESTIONNAIRE_CONTACTS,
    Application,
    ComplianceReview,
    QuestionnaireRegion,
    field_label,
)


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


def questionnaire_text(region: str) -> str:
    """The due-diligence questionnaire of a region's Partner Development & Management team."""
    region = QuestionnaireRegion(region)
    context = {"region": region, "contact": QUESTIONNAIRE_CONTACTS[region]}
    return render_to_string(f"onboarding/email/questionnaire_{region.value}.txt", context).strip()


def questionnaire_notification(review: ComplianceReview) -> dict:
    """SPEC §3.14: the questionnaire the partner requested, for their region."""
    params = {"region": QuestionnaireRegion(review.questionnaire_region).value}
    return _notification(
        review.user, Notification.Kind.QUESTIONNAIRE, params, review.get_absolute_url()
    )


# Lazy: the module is imported once, the titles are read in each reader's language.
SECURITY_REVIEW_TITLES = {
    "required": (Notification.Kind.COMPLIANCE_REQUIRED, gettext_lazy("Compliance review required")),
    "approved": (Notification.Kind.SECURITY_APPROVED, gettext_lazy("Security review approved")),
    "rejected": (Notification.Kind.SECURITY_REJECTED, gettext_lazy("Security review not approved")),
    "blacklisted": (
        Notification.Kind.ACCOUNT_BLACKLISTED,
        gettext_lazy("Security review not approved: your account is blacklisted"),
    ),
}
SECURITY_REVIEW_OUTCOMES = {kind: outcome for outcome, (kind, _t) in SECURITY_REVIEW_TITLES.items()}


def security_review_notification(review: ComplianceReview, *, outcome: str) -> dict:
    """A reviewer's word on the compliance review: required, approved, rejected, or
    rejected for the last allowed time (the account is blacklisted)."""
    kind, _title = SECURITY_REVIEW_TITLES[outcome]
    params = {
        "required_reason": review.required_reason if outcome == "required" else "",
        "reason": review.rejection_reason if outcome in ("rejected", "blacklisted") else "",
        "rejections": review.consecutive_rejections,
    }
    return _notification(review.user, kind, params, review.get_absolute_url())


def _notification(user, kind: str, params: dict, url: str) -> dict:
    return Notification.compose(user=user, kind=kind, params=params, url=url)


def notification_text(notification: Notification) -> tuple[str, str]:
    """(title, body) of a notification in the active language, from its kind and params.

    Rows written before notifications kept their params show the text they were written with.
    """
    params, kind = notification.params, notification.kind
    if not params:
        return notification.title, notification.body
    if kind in (Notification.Kind.APPLICATION_APPROVED, Notification.Kind.APPLICATION_REJECTED):
        return _decision_text(params, approved=kind == Notification.Kind.APPLICATION_APPROVED)
    if kind == Notification.Kind.QUESTIONNAIRE:
        region = QuestionnaireRegion(params["region"])
        title = _("Due-diligence questionnaire (%(region)s)") % {"region": region.label}
        return title, questionnaire_text(region)
    if kind in SECURITY_REVIEW_OUTCOMES:
        return _security_review_text(params, outcome=SECURITY_REVIEW_OUTCOMES[kind])
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


def _security_review_text(params: dict, *, outcome: str) -> tuple[str, str]:
    review = {
        "required_reason": params.get("required_reason", ""),
        "rejection_reason": params.get("reason", ""),
        "consecutive_rejections": params.get("rejections", 0),
    }
    context = {"review": review, "outcome": outcome, "limit": MAX_CONSECUTIVE_REJECTIONS}
    body = render_to_string("onboarding/email/security_review_message.txt", context).strip()
    return str(SECURITY_REVIEW_TITLES[outcome][1]), body


class DecisionRenderer(registry.Renderer):
    """A review decision on a category application."""

    def text(self, notification):
        return notification_text(notification)

    def link_label(self, notification):
        if notification.kind == Notification.Kind.APPLICATION_REJECTED:
            return str(_("Open the application and fix it"))
        return str(_("Open the application"))


class ComplianceRenderer(registry.Renderer):
    """The questionnaire, and a reviewer's word on the compliance review."""

    def text(self, notification):
        return notification_text(notification)

    def link_label(self, notification):
        return str(_("Open the compliance review"))


def register_notification_renderers() -> None:
    """Called from OnboardingConfig.ready(): how onboarding's notifications read."""
    kinds = Notification.Kind
    registry.register(DecisionRenderer(), kinds.APPLICATION_APPROVED, kinds.APPLICATION_REJECTED)
    registry.register(ComplianceRenderer(), kinds.QUESTIONNAIRE, *SECURITY_REVIEW_OUTCOMES)
