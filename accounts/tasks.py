"""Background work for accounts: sending the emails allauth and the code flows write.

A sign-up confirmation or a verification code is rendered in the request (its language, its
links) and handed to a worker as plain fields, so the request never waits on SMTP. When the
message cannot be queued (broker down), it is sent in the request instead: never lost.
"""

import logging

from celery import shared_task
from django.core.mail import EmailMessage, EmailMultiAlternatives

from partner_center.celery import app as celery_app
from partner_center.celery import publish

logger = logging.getLogger(__name__)


def as_fields(message: EmailMessage) -> dict:
    """What a worker needs to send `message` again: JSON-serialisable fields."""
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "content_subtype": message.content_subtype,
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def from_fields(fields: dict) -> EmailMessage:
    message = EmailMultiAlternatives(
        subject=fields["subject"],
        body=fields["body"],
        from_email=fields["from_email"],
        to=fields["to"],
        headers=fields["headers"],
    )
    message.content_subtype = fields["content_subtype"]
    for content, mimetype in fields["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


def send_later(message: EmailMessage) -> None:
    """Queue `message` for a worker; send it here when it cannot be queued (or when tasks
    run in-process anyway). A failure to send here is logged, not raised: the page still
    answers, and the partner can ask for the email again."""
    if not celery_app.conf.task_always_eager and publish(send_email, as_fields(message)):
        return
    try:
        message.send()
    except Exception:
        logger.exception("Email %r to %s could not be sent.", message.subject, message.to)


@shared_task(name="accounts.send_email", bind=True, max_retries=5)
def send_email(self, fields: dict) -> None:
    """Send one rendered email. SMTP trouble: retry with backoff (at most 8 min away, well
    inside the broker's visibility timeout)."""
    try:
        from_fields(fields).send()
    except Exception as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
