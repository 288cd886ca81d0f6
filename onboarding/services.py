"""Onboarding actions that span several rows. Locking for review decisions lives here, and
only here."""

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.models import User
from categories.models import Market, PartnerType, Region, ServiceCategory
from categories.rules import check_selection
from notifications.models import Notification

from .models import (
    Application,
    CompanyEntity,
    ComplianceReview,
    ComplianceState,
    State,
)


class DecisionRefused(Exception):
    """A review decision that cannot be applied; the message is for the reviewer."""


class AlreadyDecided(DecisionRefused):
    pass


class SubmissionRefused(Exception):
    """Submit was refused; `errors` maps fields to messages."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors or {}


def taken_slots(user: User) -> set[tuple[int, int]]:
    """(category id, market id) the partner applied for already, whatever the status."""
    return set(Application.objects.filter(user=user).values_list("category_id", "market_id"))


def prepare_applications(
    *,
    user: User,
    partner_type: PartnerType,
    region: Region,
    markets: Iterable[Market],
    categories: Iterable[ServiceCategory],
    batch: uuid.UUID | None = None,
    own_market: Market | None = None,
) -> list[Application]:
    """The draft applications of a Get Started selection, one per (category, market), as one
    batch, NOT saved: they are written when the partner saves or submits the batch page,
    so leaving that page leaves nothing behind.

    Raises ValidationError keyed by field when the selection breaks the market rules
    (SPEC §2.5), the company is registered elsewhere, or a category was applied for already.
    """
    markets, categories = list(markets), list(categories)
    check_selection(
        center=user.center,
        partner_type=partner_type,
        region=region,
        markets=markets,
        categories=categories,
        own_market=own_market,
    )
    applied = Application.objects.filter(user=user).exists()
    entity = CompanyEntity.objects.filter(user=user).first()
    if applied and entity is not None and entity.region_id not in (None, region.pk):
        raise ValidationError(
            {
                "region": _(
                    "Your company is registered in %(region)s; every application uses that "
                    "registration region."
                )
                % {"region": entity.region}
            }
        )
    taken = taken_slots(user)
    duplicates = [
        _("You already applied for %(category)s in %(market)s.")
        % {"category": category, "market": market}
        for category in categories
        for market in markets
        if (category.pk, market.pk) in taken
    ]
    if duplicates:
        raise ValidationError({"categories": duplicates})
    batch = batch or uuid.uuid4()
    return [
        Application(
            user=user,
            batch=batch,
            partner_type=partner_type,
            region=region,
            market=market,
            category=category,
        )
        for category in categories
        for market in markets
    ]


def choose_region(*, user: User, region: Region) -> None:
    """Until the first application is written, the company's registration region is the
    one the partner picked last (a batch left unsaved commits it to nothing)."""
    if not Application.objects.filter(user=user).exists():
        CompanyEntity.objects.filter(user=user, approved_at=None).exclude(region=region).update(
            region=region
        )


@transaction.atomic
def start_applications(*, user: User, **selection) -> list[Application]:
    """Create and save the draft applications of a selection (see prepare_applications)."""
    applications = prepare_applications(user=user, **selection)
    entity, _created = CompanyEntity.objects.select_for_update().get_or_create(
        user=user, defaults={"region": applications[0].region}
    )
    if entity.region_id is None and not entity.is_frozen:
        entity.region = applications[0].region
        entity.save(update_fields=["region", "updated_at"])
    for application in applications:
        application.save()
    return applications


def discard_drafts(*, user: User, batch: uuid.UUID) -> int:
    """Delete the partner's draft applications of one batch; return how many. Only drafts
    go (Application.discard refuses the others), and only the partner's own."""
    with transaction.atomic():
        drafts = list(
            Application.objects.select_for_update().filter(
                user=user, batch=batch, state=State.DRAFT
            )
        )
        for application in drafts:
            application.discard()
    return len(drafts)


def submit_application(*, application_id: int, by: User) -> Application:
    """Send one application (draft, rejected or edited-after-approval) to review."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id, user=by)
        if application.state == State.PENDING_REVIEW:
            return application  # submitting twice (double click) is not an error
        errors = application.submission_errors()
        if errors:
            raise SubmissionRefused(_("Some required information is missing."), errors)
        step = {
            State.DRAFT: application.submit,
            State.REJECTED: application.resubmit,
            State.APPROVED: application.submit_changes,
        }[application.state]
        step(by=by)
        application.save()
    return application


def submit_applications(*, applications: Iterable[Application], by: User) -> list[Application]:
    """Submit a batch: all of it goes to review, or none of it does."""
    with transaction.atomic():
        return [submit_application(application_id=a.pk, by=by) for a in applications]


def decide_application(
    *,
    application_id: int,
    by: User,
    approve: bool,
    reason: str = "",
    field_reasons: dict[str, str] | None = None,
) -> Application:
    """Approve or reject an application pending review.

    The row is locked first, so of two reviewers deciding at once the second waits, then
    finds the application decided and gets AlreadyDecided; the loser changes nothing.
    """
    if not approve and not (reason or "").strip():
        raise DecisionRefused(_("Give the partner a reason for the rejection."))
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id)
        if application.state in (State.APPROVED, State.REJECTED):
            raise AlreadyDecided(
                _(
                    "This application was already decided by someone else (it is now "
                    "%(state)s). Nothing was changed."
                )
                % {"state": application.get_state_display()}
            )
        try:
            if approve:
                application.approve(by=by)
            else:
                application.reject(by=by, reason=reason, field_reasons=field_reasons)
        except TransitionNotAllowed as exc:
            raise DecisionRefused(
                _("Only applications pending review can be decided; this one is %(state)s.")
                % {"state": application.get_state_display()}
            ) from exc
        except PermissionError as exc:
            raise DecisionRefused(
                _("Only staff in the Reviewers group can approve or reject applications.")
            ) from exc
        application.save()
    return application


# --- Compliance and legal review (SPEC §3.14) ---------------------------------------------
# As for applications, the review row is locked before any change, here and only here.


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
