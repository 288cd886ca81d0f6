"""Onboarding actions that span several rows. Locking for review decisions lives here, and
only here."""

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.models import User
from categories.models import Market, PartnerType, Region, ServiceCategory
from categories.rules import check_selection

from .models import (
    Application,
    CompanyEntity,
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
