"""Compliance actions that lock the review row. As for applications, the review row is
locked before any change, here and only here."""

from typing import cast

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.models import AccountEvent, User
from accounts.permissions import Module, ensure
from notifications.services import announce

# Callers catch a refused submission or decision from here, as from any service of this module.
from onboarding.services import SubmissionRefused as SubmissionRefused
from reviews import services as reviews
from reviews.services import AlreadyDecided as AlreadyDecided
from reviews.services import DecisionRefused as DecisionRefused

from . import emails
from .models import Appeal, AppealState, ComplianceReview, ComplianceState


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


# --- SPEC §8.6: appeals against a blacklisting ---------------------------------------------


class AppealRefused(ComplianceRefused):
    """The account may not appeal (not blacklisted, too late, or appealed already)."""


def file_appeal(
    *,
    by: User,
    statement: str,
    document: UploadedFile | None = None,
    ip: str | None = None,
) -> Appeal:
    """File the account's one appeal against its blacklisting, within APPEAL_WINDOW.

    `by` is the main account or a member with the Profile permission; the appeal is the
    account's. The only write a blacklisted account may make, so it does not ask
    `ensure_can_write()`. The statement and the document are checked (the document decoded
    and re-encoded, as every partner document) before anything is saved: a refusal is a
    ValidationError keyed by field, or an AppealRefused.
    """
    # Read again: the caller's copy may predate the blacklisting.
    owner = User.objects.get(pk=ensure(by, Module.PROFILE).pk)
    refusal = Appeal.refusal_for(owner)
    if refusal:  # before the document is decoded for nothing
        raise AppealRefused(refusal)
    appeal = Appeal(
        account=owner,
        blacklisted_at=owner.blacklisted_at,
        blacklist_reason=owner.blacklist_reason,
        statement=(statement or "").strip(),
        document=document or "",
        filed_by=by,
    )
    # Decodes and re-encodes the document, once, outside the lock; `save` stores the result.
    appeal.clean_fields(exclude=["state"])  # protected: set by transitions only
    with transaction.atomic():
        # The account row is the lock: of two appeals filed at once, the second waits and
        # then finds the first.
        account = User.objects.select_for_update().get(pk=owner.pk)
        refusal = Appeal.refusal_for(account)
        if refusal:
            raise AppealRefused(refusal)
        appeal.account = account
        appeal.blacklisted_at, appeal.blacklist_reason = (
            account.blacklisted_at,
            account.blacklist_reason,
        )
        try:
            with transaction.atomic():
                appeal.save()
        except IntegrityError as exc:  # the constraint behind refusal_for, should it race
            raise AppealRefused(_("This blacklisting has been appealed already.")) from exc
        AccountEvent.record(
            AccountEvent.Type.APPEAL_FILED,
            user=account,
            acting_user=by,
            ip=ip,
            target=str(_("Appeal #%(id)s") % {"id": appeal.pk}),
            details={"appeal": appeal.pk, "blacklisted_at": appeal.blacklisted_at.isoformat()},
        )
    return appeal


def decide_appeal(
    *, appeal_id: int, by: User, lift: bool, reason: str, ip: str | None = None
) -> Appeal:
    """Uphold the blacklist, or lift it, with a reason the partner reads.

    The appeal row is locked, so of two staff deciding at once the second finds it decided
    (AlreadyDecided). Lifting lifts the account's blacklist (`User.lift_blacklist`, which
    writes BLACKLIST_LIFTED) in the same transaction; the decision is in the account's log
    and announced in-app, and by email once it commits. Needs compliance.decide_appeal.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DecisionRefused(_("Give the partner a reason for the decision."))
    step = "lift" if lift else "uphold"
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
        if not can_proceed(getattr(appeal, step)):
            raise AlreadyDecided(
                _("This appeal was decided already (%(state)s). Nothing was changed.")
                % {"state": appeal.get_state_display()}
            )
        try:
            getattr(appeal, step)(by=by, reason=reason)
        except PermissionError as exc:
            raise DecisionRefused(
                _("Only staff in the Reviewers group can decide appeals.")
            ) from exc
        appeal.save()
        account = appeal.account
        if appeal.state == AppealState.LIFTED:
            account.lift_blacklist(by=by, reason=reason, ip=ip)
        event = AccountEvent.Type.APPEAL_LIFTED if lift else AccountEvent.Type.APPEAL_UPHELD
        AccountEvent.record(
            event,
            user=account,
            acting_user=by,
            ip=ip,
            target=str(_("Appeal #%(id)s") % {"id": appeal.pk}),
            details={"appeal": appeal.pk, "reason": reason},
        )
        announce(**emails.appeal_notification(appeal))
    return appeal
