"""Compliance actions that lock the review row. As for applications, the review row is
locked before any change, here and only here."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.models import User
from notifications.models import Notification
from onboarding.services import SubmissionRefused
from reviews.services import AlreadyDecided, DecisionRefused

from .models import ComplianceReview, ComplianceState


class ComplianceRefused(Exception):
    """A compliance action the partner or reviewer cannot take; the message says why."""


def _lock_review(user: User) -> ComplianceReview:
    """The partner's review row, created on first use and locked for this transaction."""
    ComplianceReview.objects.get_or_create(user=user)
    return ComplianceReview.objects.select_for_update().select_related("user").get(user=user)


def _require_compliance(review: ComplianceReview) -> None:
    if not review.is_developer:
        raise ComplianceRefused(
            _("Compliance and legal review is for developers: register as a developer first.")
        )
    if not review.is_required:
        raise ComplianceRefused(
            _(
                "A compliance review is not required for your account. We will notify you if "
                "the Partner Development & Management team asks for one."
            )
        )


def request_questionnaire(*, user: User) -> bool:
    """Send the partner the due-diligence questionnaire for their region, once.

    Returns False when it was requested before (a double click, a second tab): the
    questionnaire already sits in the notifications and the inbox, and is not sent again.
    """
    user.ensure_can_write()
    with transaction.atomic():
        review = _lock_review(user)
        _require_compliance(review)
        if review.questionnaire_requested_at is not None:
            return False
        review.questionnaire_region = review.region_for_questionnaire()
        review.questionnaire_requested_at = timezone.now()
        review.save(update_fields=["questionnaire_region", "questionnaire_requested_at"])
        from . import emails

        Notification.announce(**emails.questionnaire_notification(review))
    return True


def save_security_review(*, user: User, answers: dict, submit: bool = False) -> ComplianceReview:
    """Keep the partner's security review answers; with `submit`, send them to review.

    Saving needs nothing filled in (like "Save for later"); submitting needs every required
    answer, in English. Answers under review cannot change, and approved answers change
    only by going back to review.
    """
    user.ensure_can_write()
    unknown = set(answers) - set(ComplianceReview.SECURITY_FIELDS)
    if unknown:
        raise ValueError(f"Not security review fields: {sorted(unknown)}")
    errors = {}
    with transaction.atomic():
        review = _lock_review(user)
        _require_compliance(review)
        approved = review.state == ComplianceState.APPROVED
        if not review.is_editable:
            raise ComplianceRefused(
                _("Your security review is being reviewed and cannot be changed.")
            )
        if approved and not submit:
            raise ComplianceRefused(
                _("Changes to an approved security review go to review: submit them.")
            )
        for name, value in answers.items():
            setattr(review, name, review._meta.get_field(name).to_python(value))
        if submit:
            errors = review.submission_errors()
        if submit and not errors:
            step = {
                ComplianceState.DRAFT: review.submit,
                ComplianceState.REJECTED: review.resubmit,
                ComplianceState.APPROVED: review.submit_changes,
            }[review.state]
            step(by=user)
        # A refused Submit still keeps what was typed, except over approved answers: those
        # change only by going to review.
        if not (errors and approved):
            review.save()
    if errors:
        raise SubmissionRefused(_("Some answers are missing or not in English."), errors)
    return review


def decide_security_review(
    *, review_id: int, by: User, approve: bool, reason: str = ""
) -> ComplianceReview:
    """Approve or reject a security review pending review.

    A rejection counts towards the limit; the third in a row blacklists the partner in the
    same transaction as the decision, so there is no moment where the rejection is recorded
    and the account still writes. Of two reviewers deciding at once, the second waits for
    the row lock, finds it decided and changes nothing.
    """
    if not approve and not (reason or "").strip():
        raise DecisionRefused(_("Give the partner a reason for the rejection."))
    with transaction.atomic():
        review = ComplianceReview.objects.select_for_update().select_related("user")
        review = review.get(pk=review_id)
        if review.state != ComplianceState.PENDING_REVIEW:
            raise AlreadyDecided(
                _(
                    "Only security reviews pending review can be decided; this one is "
                    "%(state)s. Nothing was changed."
                )
                % {"state": review.get_state_display()}
            )
        try:
            if approve:
                review.approve(by=by)
            else:
                review.reject(by=by, reason=reason)
        except TransitionNotAllowed as exc:
            raise DecisionRefused(
                _("This security review cannot be decided now (it is %(state)s).")
                % {"state": review.get_state_display()}
            ) from exc
        except PermissionError as exc:
            raise DecisionRefused(
                _("Only staff in the Reviewers group can approve or reject security reviews.")
            ) from exc
        review.save()
    return review


def require_compliance_review(*, user: User, by: User, reason: str) -> ComplianceReview:
    """Case by case (SPEC §3.14): a reviewer requires a developer's compliance review."""
    if not (reason or "").strip():
        raise DecisionRefused(_("Tell the partner why a compliance review is required."))
    with transaction.atomic():
        review = _lock_review(user)
        if not review.is_developer:
            raise DecisionRefused(_("%(user)s is not a developer.") % {"user": user})
        if review.is_required:
            raise DecisionRefused(
                _("A compliance review is already required for %(user)s.") % {"user": user}
            )
        try:
            review.mark_required(by=by, reason=reason)
        except PermissionError as exc:
            raise DecisionRefused(
                _("Only staff in the Reviewers group can require a compliance review.")
            ) from exc
        review.save()
    return review
