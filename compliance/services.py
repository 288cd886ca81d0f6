"""Compliance actions that lock the review row. As for applications, the review row is
locked before any change, here and only here."""

from typing import cast

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.services import announce

# Callers catch a refused submission or decision from here, as from any service of this module.
from onboarding.services import SubmissionRefused as SubmissionRefused
from reviews import services as reviews
from reviews.services import AlreadyDecided as AlreadyDecided
from reviews.services import DecisionRefused as DecisionRefused
from teams.permissions import Module, ensure

from . import emails
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
    `user` is the account or a member of its team who manages Profile & applications.
    """
    owner = ensure(user, Module.PROFILE)
    user.ensure_can_write()
    with transaction.atomic():
        review = _lock_review(owner)
        _require_compliance(review)
        if review.questionnaire_requested_at is not None:
            return False
        review.questionnaire_region = review.region_for_questionnaire()
        review.questionnaire_requested_at = timezone.now()
        review.save(update_fields=["questionnaire_region", "questionnaire_requested_at"])
        announce(**emails.questionnaire_notification(review))
    return True


def save_security_review(*, user: User, answers: dict, submit: bool = False) -> ComplianceReview:
    """Keep the partner's security review answers; with `submit`, send them to review.

    Saving needs nothing filled in (like "Save for later"); submitting needs every required
    answer, in English. Answers under review cannot change, and approved answers change
    only by going back to review. `user` is the account or a member of its team who manages
    Profile & applications; the history names them.
    """
    owner = ensure(user, Module.PROFILE)
    user.ensure_can_write()
    unknown = set(answers) - set(ComplianceReview.SECURITY_FIELDS)
    if unknown:
        raise ValueError(f"Not security review fields: {sorted(unknown)}")
    errors = {}
    with transaction.atomic():
        review = _lock_review(owner)
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
            field = cast(models.Field, review._meta.get_field(name))
            setattr(review, name, field.to_python(value))
        if submit:
            errors = review.submission_errors()
        if submit and not errors:
            # Not pending (checked above), so there is a submission step to take.
            reviews.transition(review, cast(str, review.submission_step()), by=user)
        # A refused Submit still keeps what was typed, except over approved answers: those
        # change only by going to review.
        elif not (errors and approved):
            review.save()
    if errors:
        raise SubmissionRefused(_("Some answers are missing or not in English."), errors)
    return review


def decide_security_review(
    *, review_id: int, by: User, approve: bool, reason: str = ""
) -> ComplianceReview:
    """Approve or reject a security review pending review (see `reviews.services.decide`).

    A rejection counts towards the limit; the third in a row blacklists the partner in the
    same transaction as the decision (`ComplianceReview.on_rejected`), so there is no moment
    where the rejection is recorded and the account still writes. The partner is told in
    that transaction too; the email is queued once it commits.
    """
    review = ComplianceReview.objects.get(pk=review_id)
    with transaction.atomic():
        review = reviews.decide(review, by=by, approve=approve, reason=reason)
        outcome = review.decision_outcome()
        announce(**emails.security_review_notification(review, outcome=outcome))
    return review


def require_compliance_review(*, user: User, by: User, reason: str) -> ComplianceReview:
    """Case by case (SPEC §3.14): a reviewer requires a developer's compliance review.

    Not a state change, but it changes what the partner must do, so it is in the history
    and the partner is told once it commits."""
    reason = (reason or "").strip()
    if not reason:
        raise DecisionRefused(_("Tell the partner why a compliance review is required."))
    with transaction.atomic():
        review = _lock_review(user)
        if not review.is_developer:
            raise DecisionRefused(_("%(user)s is not a developer.") % {"user": user})
        if review.is_required:
            raise DecisionRefused(
                _("A compliance review is already required for %(user)s.") % {"user": user}
            )
        if not review.reviewer_can(by):
            raise DecisionRefused(
                _("Only staff in the Reviewers group can require a compliance review.")
            )
        review.marked_required, review.required_reason = True, reason
        review.marked_required_by, review.marked_required_at = by, timezone.now()
        review.save()
        review.history_entry(by=by, name="mark_required", source=review.state, reason=reason).save()
        announce(**emails.security_review_notification(review, outcome="required"))
    return review
