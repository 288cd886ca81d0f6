"""Running the review lifecycle: the row lock, the transition, the save, the audit row and
the effects queued for after the commit, in one place for every reviewed model."""

from collections.abc import Iterable
from typing import Protocol, TypeVar

from django.db import models, transaction
from django_fsm import TransitionNotAllowed, can_proceed

from .models import Effect, ReviewedModel


class Lifecycle(Protocol):
    """What `transition` needs of a model: ReviewedModel has it; a model with another state
    machine (an app's publish/review/deactivate) provides the same two methods."""

    state: str

    def save(self, *args, **kwargs) -> None: ...

    def history_entry(self, *, by, name: str, source: str) -> models.Model: ...

    def effects_after(self, name: str, *, by) -> Iterable[Effect]: ...


T = TypeVar("T", bound=Lifecycle)
R = TypeVar("R", bound=ReviewedModel)


class DecisionRefused(Exception):
    """A review decision that cannot be applied; the message is for the reviewer."""


class AlreadyDecided(DecisionRefused):
    pass


def lock(obj: R, **filters) -> R:
    """`obj` read again and locked for the surrounding transaction (DoesNotExist when gone,
    or when `filters` do not match, e.g. user=... for an owner-scoped submit)."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk, **filters)


def transition(obj: T, name: str, *, by, **kwargs) -> T:
    """Run transition `name` on `obj` as `by`, save it, record the audit row, and queue the
    model's effects for after the commit.

    The caller holds the row lock (see `lock`). `history_entry` and `effects_after` run in
    the transaction; the effects they return run after it commits. The transition checks
    `by` against its `permission` (PermissionError), and its source state and conditions
    (TransitionNotAllowed); a refused one changes, records and queues nothing. A stale copy
    saved over a newer state raises ConcurrentTransition and rolls the whole step back.
    """
    with transaction.atomic():
        source = obj.state
        getattr(obj, name)(by=by, **kwargs)
        obj.save()
        obj.history_entry(by=by, name=name, source=source).save()
        for effect in obj.effects_after(name, by=by):
            transaction.on_commit(effect, robust=True)
    return obj


def decide(
    obj: R,
    *,
    by,
    approve: bool,
    reason: str = "",
    field_reasons: dict[str, str] | None = None,
) -> R:
    """Approve or reject `obj`, pending review, as reviewer `by`; return it as decided.

    The row is locked first, so of two reviewers deciding at once the second waits, then
    finds it decided and gets AlreadyDecided; the loser changes nothing. A rejection needs
    a reason. Every refusal is a DecisionRefused whose message (from the model's
    `refusal_messages`) is for the reviewer; nothing is saved, recorded or sent then.
    """
    messages = obj.refusal_messages
    if not approve and not (reason or "").strip():
        raise DecisionRefused(str(messages["no_reason"]))
    with transaction.atomic():
        obj = lock(obj)
        step = "approve" if approve else "reject"
        state = {"state": obj.get_state_display()}
        if not can_proceed(getattr(obj, step)):
            refusal = AlreadyDecided if obj.is_decided else DecisionRefused
            key = "decided" if obj.is_decided else "not_pending"
            raise refusal(str(messages[key]) % state)
        details = {} if approve else {"reason": reason, "field_reasons": field_reasons}
        try:
            transition(obj, step, by=by, **details)
        except TransitionNotAllowed as exc:
            raise DecisionRefused(str(messages["not_pending"]) % state) from exc
        except PermissionError as exc:
            raise DecisionRefused(str(messages["not_reviewer"])) from exc
    return obj
