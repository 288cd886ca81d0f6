"""The email of a notification: written by its kind's renderer (see `registry`)."""

from .models import Notification


def send_notification(notification: Notification) -> None:
    """Email a notification, as its kind's renderer writes it."""
    notification.renderer.email(notification).send()
