"""One function per message of the compliance review (SPEC §3.14): the questionnaire and
the reviewers' word on the security review, and how these notifications read (registered
with `notifications.registry` from ComplianceConfig.ready())."""

from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import Module
from notifications import registry
from notifications.models import Notification

from .models import (
    APPEAL_WINDOW,
    MAX_CONSECUTIVE_REJECTIONS,
    QUESTIONNAIRE_CONTACTS,
    Appeal,
    AppealState,
    ComplianceReview,
    QuestionnaireRegion,
)


def questionnaire_text(region: str) -> str:
    """The due-diligence questionnaire of a region's Partner Development & Management team."""
    region = QuestionnaireRegion(region)
    context = {"region": region, "contact": QUESTIONNAIRE_CONTACTS[region]}
    return render_to_string(f"compliance/email/questionnaire_{region.value}.txt", context).strip()


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
SECURITY_REVIEW_OUTCOMES: dict[str, str] = {
    kind: outcome for outcome, (kind, _t) in SECURITY_REVIEW_TITLES.items()
}


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


KINDS = {Notification.Kind.QUESTIONNAIRE, *SECURITY_REVIEW_OUTCOMES}


def _notification(user, kind: str, params: dict, url: str) -> dict:
    return Notification.compose(user=user, kind=kind, params=params, url=url)


def notification_text(notification: Notification) -> tuple[str, str]:
    """(title, body) of a compliance notification in the active language.

    Rows written before notifications kept their params show the text they were written with.
    """
    params, kind = notification.params, notification.kind
    if not params:
        return notification.title, notification.body
    if kind == Notification.Kind.QUESTIONNAIRE:
        region = QuestionnaireRegion(params["region"])
        title = _("Due-diligence questionnaire (%(region)s)") % {"region": region.label}
        return title, questionnaire_text(region)
    return _security_review_text(params, outcome=SECURITY_REVIEW_OUTCOMES[kind])


def _security_review_text(params: dict, *, outcome: str) -> tuple[str, str]:
    review = {
        "required_reason": params.get("required_reason", ""),
        "rejection_reason": params.get("reason", ""),
        "consecutive_rejections": params.get("rejections", 0),
    }
    context = {
        "review": review,
        "outcome": outcome,
        "limit": MAX_CONSECUTIVE_REJECTIONS,
        "appeal_days": APPEAL_WINDOW.days,
    }
    body = render_to_string("compliance/email/security_review_message.txt", context).strip()
    return str(SECURITY_REVIEW_TITLES[outcome][1]), body


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# SPEC §8.6: the staff's decision on an appeal.
APPEAL_UPHELD = Notification.Kind.APPEAL_UPHELD
APPEAL_LIFTED = Notification.Kind.APPEAL_LIFTED
APPEAL_TITLES: "dict[str, StrOrPromise]" = {
    APPEAL_UPHELD: gettext_lazy("Appeal decided: your account stays blacklisted"),
    APPEAL_LIFTED: gettext_lazy("Appeal decided: the blacklist is lifted"),
}


def appeal_notification(appeal: Appeal) -> dict:
    """The staff's decision on the account's appeal, with their reason."""
    kind = APPEAL_LIFTED if appeal.state == AppealState.LIFTED else APPEAL_UPHELD
    params = {"reason": appeal.decision_reason}
    return _notification(appeal.account, kind, params, appeal.get_absolute_url())


def appeal_text(notification: Notification) -> tuple[str, str]:
    context = {"lifted": notification.kind == APPEAL_LIFTED, **notification.params}
    body = render_to_string("compliance/email/appeal_decision_message.txt", context).strip()
    return str(APPEAL_TITLES[notification.kind]), body


class AppealRenderer(registry.Renderer):
    """The decision on an appeal against a blacklisting."""

    def text(self, notification):
        if not notification.params:
            return notification.title, notification.body
        return appeal_text(notification)

    def link_label(self, notification):
        return str(_("Open your appeal"))


class ComplianceRenderer(registry.Renderer):
    """The questionnaire, and a reviewer's word on the compliance review."""

    def text(self, notification):
        return notification_text(notification)

    def link_label(self, notification):
        return str(_("Open the compliance review"))


def register_notification_renderers() -> None:
    """Called from ComplianceConfig.ready(): how the compliance notifications read."""
    # The account's standing (a blacklisting and its appeal included) is Profile &
    # applications' business.
    registry.register(ComplianceRenderer(), *KINDS, module=Module.PROFILE)
    registry.register(AppealRenderer(), *APPEAL_TITLES, module=Module.PROFILE)
