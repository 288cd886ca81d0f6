"""One function per email the accounts app sends."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from .models import User
from .tasks import send_later


def send_verification_code(*, user: User, to: str, code: str, purpose_label: str) -> None:
    context = {
        "user": user,
        "code": code,
        "purpose": purpose_label,
        "minutes": settings.VERIFICATION_CODE_TTL_SECONDS // 60,
    }
    subject = render_to_string("accounts/email/verification_code_subject.txt", context).strip()
    body = render_to_string("accounts/email/verification_code_message.txt", context)
    # Through the queue when there is one: the page asking for a code never waits on SMTP.
    send_later(EmailMessage(subject, body, None, [to]))
