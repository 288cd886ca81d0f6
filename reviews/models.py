"""The review lifecycle every reviewed thing shares: a partner submits, a reviewer approves or
rejects with a reason, the partner fixes and resubmits, or submits changes to approved
information. Written once here, as an abstract model; each concrete model fills in the hooks.

This is the ground floor: it imports nothing of ours.

Hooks a concrete model fills in (all optional except `review_permission`):

- `review_permission`: "app_label.codename" a reviewer needs (`reviewer_can` reads it).
- `submission_errors() -> dict[str, str]`: what Submit still needs, keyed by field.
  `is_complete()` (the submit transitions' condition) is "no submission errors".
- `submitter_can(user)` / `reviewer_can(user)`: the transitions' `permission`s.
- `approving(*, by)` / `rejecting(*, by, field_reasons)`: extra fields set by the
  approve / reject transition (bodies only set fields).
- `audit_details(name) -> dict`: extra columns of the audit row of step `name`.
- `on_submitted(*, by)`, `on_approved(*, by)`, `on_rejected(*, by)`: called by
  `reviews.services` after the save, in the same transaction; write what belongs with the
  step (an outbox row, a frozen entity, a blacklisting) and return the callables to run
  once it commits.
- `refusal_messages`: what a reviewer reads when a decision is refused.
- `queue_label`: the model's series in the admin index's review-queue chart (none without).

The audit model is a `ReviewTransition` subclass with a ForeignKey to the concrete model
whose related_name is "transitions"; `history_entry()` builds its rows (a step that is not a
transition, like a reviewer requiring a review, passes its own name and reason).

For services and pages: `submission_step()` (which of submit / resubmit / submit_changes
`can_proceed` from the state, None while pending), `is_editable`, `is_decided`,
`status_badge()`. Every transition is `guarded`: a user its `permission` refuses gets a
PermissionError, whoever calls it; `reviews.services` runs them.
"""

import functools
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import (
    ConcurrentTransitionMixin,
    FSMField,
    can_proceed,
    has_transition_perm,
    transition,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Effect = Callable[[], object]


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_REVIEW = "pending_review", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")


# The transitions that send a reviewed thing (back) to review.
SUBMISSION_STEPS = ("submit", "resubmit", "submit_changes")


def _is_complete(instance) -> bool:
    return instance.is_complete()


def _submitter(instance, user) -> bool:
    return instance.submitter_can(user)


def _reviewer(instance, user) -> bool:
    return instance.reviewer_can(user)


def guarded(method):
    """Run a transition only for a user its `permission` admits.

    The permission is read once, here, through `has_transition_perm`, whoever calls the
    transition (service, admin or shell). A transition the state or the conditions refuse
    falls through to django-fsm, which raises TransitionNotAllowed as usual.
    """

    @functools.wraps(method)
    def run(self, *, by, **kwargs):
        bound = getattr(self, method.__name__)
        if can_proceed(bound) and not has_transition_perm(bound, by):
            raise PermissionError(
                f"{by} may not {method.__name__} {self._meta.verbose_name} #{self.pk}."
            )
        return method(self, by=by, **kwargs)

    return run


class ReviewQuerySet(models.QuerySet):
    """The reviewer queue of a reviewed model."""

    def awaiting_review(self):
        return self.filter(state=ReviewState.PENDING_REVIEW)

    def waiting_bands(self, bands, *, now=None) -> list[int]:
        """How many were submitted within each (low, high) band of days ago (high None: no
        end), in one query: the reviewer queue by age."""
        now = now or timezone.now()
        aggregates = {}
        for i, (low, high) in enumerate(bands):
            band = Q(submitted_at__lte=now - timedelta(days=low))
            if high is not None:
                band &= Q(submitted_at__gt=now - timedelta(days=high))
            aggregates[f"band{i}"] = models.Count("pk", filter=band)
        counts = self.order_by().aggregate(**aggregates)
        return [counts[f"band{i}"] for i in range(len(bands))]


class ReviewedModel(ConcurrentTransitionMixin, models.Model):
    """Submit → review → approve / reject, for any model with a `user` who submits it."""

    review_permission: str = ""
    queue_label: "StrOrPromise" = ""
    refusal_messages: "dict[str, StrOrPromise]" = {
        "decided": _(
            "This was already decided by someone else (it is now %(state)s). Nothing was changed."
        ),
        "not_pending": _("Only what is pending review can be decided; this is %(state)s."),
        "not_reviewer": _("Only staff in the Reviewers group can approve or reject this."),
        "no_reason": _("Give the partner a reason for the rejection."),
    }

    state = FSMField(
        _("status"),
        default=ReviewState.DRAFT,
        choices=ReviewState.choices,
        protected=True,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    rejection_reason = models.TextField(_("reason"), blank=True, editable=False)

    if TYPE_CHECKING:
        user_id: int  # every reviewed model has the `user` who submits it

    class Meta:
        abstract = True

    # --- hooks ---------------------------------------------------------------------------

    def submission_errors(self) -> dict[str, str]:
        return {}

    def is_complete(self) -> bool:
        return not self.submission_errors()

    def submitter_can(self, user) -> bool:
        """The account's own user, or a member of its team (`holder` is the account a user
        acts for); a concrete model adds what the member's role must allow."""
        return bool(user and getattr(user, "holder", user).pk == self.user_id)

    def reviewer_can(self, user) -> bool:
        return bool(
            user and user.is_active and user.is_staff and user.has_perm(self.review_permission)
        )

    def approving(self, *, by) -> None:
        """Fields the concrete model sets when approved (besides decided_at/by)."""

    def rejecting(self, *, by, field_reasons: dict[str, str] | None = None) -> None:
        """Fields the concrete model sets when rejected (besides the reason)."""

    def audit_details(self, name: str) -> dict:
        return {}

    def on_submitted(self, *, by) -> Iterable[Effect]:
        return ()

    def on_approved(self, *, by) -> Iterable[Effect]:
        return ()

    def on_rejected(self, *, by) -> Iterable[Effect]:
        return ()

    # --- transitions: bodies only set fields ---------------------------------------------

    @guarded
    @transition(
        field="state",
        source=ReviewState.DRAFT,
        target=ReviewState.PENDING_REVIEW,
        conditions=[_is_complete],
        permission=_submitter,
        custom={"label": _("Submit")},
    )
    def submit(self, *, by):
        self.submitted_at = timezone.now()

    @guarded
    @transition(
        field="state",
        source=ReviewState.REJECTED,
        target=ReviewState.PENDING_REVIEW,
        conditions=[_is_complete],
        permission=_submitter,
        custom={"label": _("Resubmit")},
    )
    def resubmit(self, *, by):
        self.submitted_at = timezone.now()

    @guarded
    @transition(
        field="state",
        source=ReviewState.APPROVED,
        target=ReviewState.PENDING_REVIEW,
        conditions=[_is_complete],
        permission=_submitter,
        custom={"label": _("Submit changes")},
    )
    def submit_changes(self, *, by):
        """Approved information was edited: it goes back to review."""
        self.submitted_at = timezone.now()

    @guarded
    @transition(
        field="state",
        source=ReviewState.PENDING_REVIEW,
        target=ReviewState.APPROVED,
        permission=_reviewer,
        custom={"label": _("Approve")},
    )
    def approve(self, *, by):
        self.decided_at, self.decided_by = timezone.now(), by
        self.rejection_reason = ""
        self.approving(by=by)

    @guarded
    @transition(
        field="state",
        source=ReviewState.PENDING_REVIEW,
        target=ReviewState.REJECTED,
        permission=_reviewer,
        custom={"label": _("Reject")},
    )
    def reject(self, *, by, reason: str, field_reasons: dict[str, str] | None = None):
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("A rejection needs a reason the partner can act on.")
        self.decided_at, self.decided_by = timezone.now(), by
        self.rejection_reason = reason
        self.rejecting(by=by, field_reasons=field_reasons)

    # --- for services and pages ----------------------------------------------------------

    def submission_step(self) -> str | None:
        """The transition that sends this to review from its state (None while pending)."""
        for name in SUBMISSION_STEPS:
            if can_proceed(getattr(self, name), check_conditions=False):
                return name
        return None

    @property
    def is_editable(self) -> bool:
        """The partner may change it: it is not under review."""
        return self.submission_step() is not None

    @property
    def is_decided(self) -> bool:
        return self.state in (ReviewState.APPROVED, ReviewState.REJECTED)

    def effects_after(self, name: str, *, by) -> Iterable[Effect]:
        if name == "approve":
            return self.on_approved(by=by)
        if name == "reject":
            return self.on_rejected(by=by)
        return self.on_submitted(by=by)

    def history_entry(
        self, *, by, name: str, source: str, reason: str | None = None
    ) -> "ReviewTransition":
        """The (unsaved) audit row of step `name`, just taken from `source`; a rejection's
        reason by default."""
        relation = cast(models.ManyToOneRel, self._meta.get_field("transitions"))
        audit_model = cast(type[ReviewTransition], relation.related_model)
        if reason is None:
            reason = self.rejection_reason if name == "reject" else ""
        return audit_model(
            **{relation.field.name: self},
            by=by,
            name=name,
            source=source,
            target=self.state,
            reason=reason,
            **self.audit_details(name),
        )

    def status_badge(self) -> str:
        return {
            ReviewState.DRAFT: "",
            ReviewState.PENDING_REVIEW: "badge-warn",
            ReviewState.APPROVED: "badge-ok",
            ReviewState.REJECTED: "badge-err",
        }[self.state]


# What each recorded step was, for the people reading a history (partner and reviewer).
TRANSITION_LABELS = {
    "submit": _("Submitted for review"),
    "resubmit": _("Modified and resubmitted"),
    "submit_changes": _("Changes submitted for review"),
    "approve": _("Approved"),
    "reject": _("Not approved"),
    "mark_required": _("Compliance review required by the platform:"),
}


class TransitionLabels:
    """A history row as words, in the reader's language: its step and its states."""

    if TYPE_CHECKING:  # the audit row's fields
        name: str
        source: str
        target: str

        def get_source_display(self) -> str: ...
        def get_target_display(self) -> str: ...

    def get_name_display(self) -> str:
        return str(TRANSITION_LABELS.get(self.name, self.name))

    def change_display(self) -> str:
        if self.source == self.target:
            return self.get_target_display()
        return f"{self.get_source_display()} → {self.get_target_display()}"


class ReviewTransition(TransitionLabels, models.Model):
    """The audit trail: who moved what from which state to which, when, and why. A concrete
    subclass adds the ForeignKey (related_name="transitions") and any extra columns."""

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    name = models.CharField(max_length=32)
    source = models.CharField(max_length=32, choices=ReviewState.choices)
    target = models.CharField(max_length=32, choices=ReviewState.choices)
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_name_display()}: {self.change_display()}"
