"""How a domain tells a partner something: one call writes the inbox row and owes its email."""

import logging
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from . import registry, tasks
from .models import Notification

logger = logging.getLogger(__name__)


def announce(**fields) -> Notification:
    """Write the notification (`Notification.compose(...)` fields) in the surrounding
    transaction, so it commits with the event it announces or not at all; its email is
    queued once that commits, and the sweep sends it should the broker be down.

    SPEC §8.1: it is the partner account's (a member addressed stands for their account).
    The main account gets it, and so does each member whose role reads the kind's module
    and Notifications: one row each, in their own language, each row its own email (sent
    once, as the outbox claims rows). Returns the main account's row."""
    account = fields["user"].holder
    recipients = [account, *_team_recipients(account, fields["kind"])]
    rows = [
        Notification.objects.create(**_addressed(fields, recipient)) for recipient in recipients
    ]
    for row in rows:
        transaction.on_commit(partial(tasks.queue_delivery, row.pk), robust=True)
    return rows[0]


def _team_recipients(account, kind: str) -> list:
    """The account's active members whose role reads the kind's module and Notifications:
    one query (members with their roles), none for a kind of no module."""
    module = registry.module_for(kind)
    if module is None:
        return []
    members = (
        get_user_model()
        .objects.filter(account=account, is_active=True)
        .select_related("team_membership__role")
        .order_by("pk")
    )
    found = []
    for member in members:
        membership = getattr(member, "team_membership", None)
        if membership is None:
            continue
        role = membership.role
        if role.access(module) and role.access(registry.NOTIFICATIONS_MODULE):
            found.append(member)
    return found


def _addressed(fields: dict, recipient) -> dict:
    """The notification's fields for `recipient`, in their language."""
    if recipient.pk == fields["user"].pk:
        return {**fields, "user": recipient}
    if not fields.get("params"):
        return {**fields, "user": recipient}
    return Notification.compose(
        user=recipient, kind=fields["kind"], params=fields["params"], url=fields.get("url", "")
    )


# The bell's unread count, shown on every partner page: kept in the shared cache (Redis)
# so a page costs a cache read, not a COUNT query. Every write that changes it (a new
# notification, one read, all read, a deletion) drops the key once its transaction commits;
# the short lifetime bounds what a page that counted just before such a commit can put back.
# Without a shared cache (the embedded default, where each process has its own) it is 0:
# the count is asked of the database every time.
def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user) -> int:
    seconds = settings.NOTIFICATION_UNREAD_CACHE_SECONDS
    if not seconds:
        return Notification.objects.filter(user=user).unread().count()
    key = _unread_key(user.pk)
    try:
        count = cache.get(key)
    except Exception as error:  # a backend that raises (partner_center.cache answers misses)
        logger.warning(
            "Unread count cache failed (%s); counted in the database.", type(error).__name__
        )
        return Notification.objects.filter(user=user).unread().count()
    if count is None:
        count = Notification.objects.filter(user=user).unread().count()
        try:
            cache.set(key, count, seconds)
        except Exception as error:
            logger.warning(
                "Unread count cache failed (%s) to keep the count.", type(error).__name__
            )
    return count


def forget_unread_count(user_id: int) -> None:
    """Drop the cached count now, for what this transaction reads next, and again once it
    commits, in case another request cached the count it saw before the commit."""
    if settings.NOTIFICATION_UNREAD_CACHE_SECONDS:
        key = _unread_key(user_id)
        try:
            cache.delete(key)
        except Exception as error:  # the commit's own drop (robust) is tried again
            logger.warning("Unread count cache failed (%s) to drop it.", type(error).__name__)
        transaction.on_commit(partial(cache.delete, key), robust=True)
