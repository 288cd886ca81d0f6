"""How a domain tells a partner something: one call writes the inbox row and owes its email."""

from functools import partial

from django.db import transaction

from . import tasks
from .models import Notification


def announce(**fields) -> Notification:
    """Write the notification (`Notification.compose(...)` fields) in the surrounding
    transaction, so it commits with the event it announces or not at all; its email is
    queued once that commits, and the sweep sends it should the broker be down."""
    notification = Notification.objects.create(**fields)
    transaction.on_commit(partial(tasks.queue_delivery, notification.pk), robust=True)
    return notification
