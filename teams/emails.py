"""One function per email the teams app sends."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.tasks import send_later
from partner_center.links import portal_url

from .models import Invitation, account_name


def send_invitation(*, invitation: Invitation, token: str) -> None:
    """The invitation with its link (SPEC §8.2), in the inviter's language (the request's):
    the invitee has no account, or none we may read a language from yet."""
    context = {
        "invitation": invitation,
        "account_name": account_name(invitation.account),
        "inviter": invitation.invited_by or invitation.account,
        "role": invitation.role,
        "link": portal_url(reverse("teams:accept", args=[token])),
        "expires_at": timezone.localtime(invitation.expires_at),
        "hours": int((invitation.expires_at - invitation.sent_at).total_seconds() // 3600),
    }
    subject = render_to_string("teams/email/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        render_to_string("teams/email/invitation_message.txt", context),
        None,
        [invitation.email],
    )
    message.attach_alternative(
        render_to_string("teams/email/invitation_message.html", context), "text/html"
    )
    # Through the queue when there is one: inviting never waits on SMTP.
    send_later(message)
