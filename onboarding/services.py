"""Onboarding actions that span several rows. Locking for review decisions lives here, and
only here."""

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Module, ensure
from categories.models import Market, PartnerType, Region, ServiceCategory
from categories.rules import check_selection
from notifications.services import announce
from reviews import services as reviews

# Callers catch a decision's refusals from here, as from any service of this module.
from reviews.services import AlreadyDecided as AlreadyDecided
from reviews.services import DecisionRefused as DecisionRefused

from . import emails
from .models import (
    Application,
    CompanyEntity,
    State,
)


class SubmissionRefused(Exception):
    """Submit was refused; `errors` maps fields to messages."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors or {}


def taken_slots(user: User) -> set[tuple[int, int]]:
    """(category id, market id) the partner applied for already, whatever the status."""
    return set(Application.objects.filter(user=user.holder).values_list("category_id", "market_id"))


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
    A team member prepares them for the account they work for.
    """
    user = user.holder
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
    owner = ensure(user, Module.PROFILE)
    if not Application.objects.filter(user=owner).exists():
        CompanyEntity.objects.filter(user=owner, approved_at=None).exclude(region=region).update(
            region=region
        )


@transaction.atomic
def start_applications(*, user: User, **selection) -> list[Application]:
    """Create and save the draft applications of a selection (see prepare_applications)."""
    owner = ensure(user, Module.PROFILE)
    applications = prepare_applications(user=owner, **selection)
    entity, _created = CompanyEntity.objects.select_for_update().get_or_create(
        user=owner, defaults={"region": applications[0].region}
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
    owner = ensure(user, Module.PROFILE)
    with transaction.atomic():
        drafts = list(
            Application.objects.select_for_update().filter(
                user=owner, batch=batch, state=State.DRAFT
            )
        )
        for application in drafts:
            application.discard()
    return len(drafts)


def submit_application(*, application_id: int, by: User) -> Application:
    """Send one application (draft, rejected or edited-after-approval) to review. `by` is the
    account or a member of its team; the history names `by`."""
    owner = ensure(by, Module.PROFILE)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id, user=owner)
        step = application.submission_step()
        if step is None:
            return application  # pending: submitting twice (double click) is not an error
        errors = application.submission_errors()
        if errors:
            raise SubmissionRefused(_("Some required information is missing."), errors)
        reviews.transition(application, step, by=by)
    return application


def submit_applications(*, applications: Iterable[Application], by: User) -> list[Application]:
    """Submit a batch: all of it goes to review, or none of it does."""
    with transaction.atomic():
        return [submit_application(application_id=a.pk, by=by) for a in applications]


def save_applications(
    *,
    user: User,
    applications: list[Application],
    entity: CompanyEntity | None = None,
    submit: bool = False,
) -> list[Application]:
    """Keep what the partner typed on a batch page, and with `submit` send the batch to
    review, all in one transaction.

    `entity` (None when it is read-only) and `applications` carry the new values, unsaved.
    One category applied for in several markets shares its category info: the first
    application of each category is the one that was edited. A refused Submit raises
    SubmissionRefused; what was typed into a draft is kept, but changes to approved
    information are rolled back, as they change only by going to review. ConcurrentTransition
    means another request submitted these meanwhile; this one changed nothing. `user` is
    the account or a member of its team whose role manages Profile & applications.
    """
    owner = ensure(user, Module.PROFILE)
    if (entity is not None and entity.user_id != owner.pk) or any(
        a.user_id != owner.pk for a in applications
    ):
        raise ValueError("These applications are not the account's.")
    approved = any(a.state == State.APPROVED for a in applications)
    refused = None
    with transaction.atomic():
        if entity is not None:
            entity.save()
        edited: dict[int, Application] = {}
        for application in applications:
            first = edited.setdefault(application.category_id, application)
            for name in Application.CATEGORY_INFO_FIELDS:
                setattr(application, name, getattr(first, name))
            application.save()
        if submit:
            try:
                submit_applications(applications=applications, by=user)
            except SubmissionRefused as exc:
                if approved:
                    raise
                refused = exc
    if refused is not None:
        raise refused
    return applications


def decide_application(
    *,
    application_id: int,
    by: User,
    approve: bool,
    reason: str = "",
    field_reasons: dict[str, str] | None = None,
) -> Application:
    """Approve or reject an application pending review (see `reviews.services.decide`), and
    tell the partner: the notification commits with the decision, never without it."""
    application = Application.objects.get(pk=application_id)
    with transaction.atomic():
        decided = reviews.decide(
            application, by=by, approve=approve, reason=reason, field_reasons=field_reasons
        )
        # The partner is told in the same transaction; the email is queued once it commits.
        announce(**emails.decision_notification(decided, approved=approve))
    return decided
