from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import emails
from .models import Channel, Purpose, User, VerificationCode
from .sms import send_sms


class TooManyCodes(Exception):
    pass


def send_verification_code(*, user: User, purpose: str, channel: str) -> VerificationCode:
    """Issue a fresh code for `purpose` and send it to the user's current email or phone.

    Raises TooManyCodes past VERIFICATION_CODES_PER_HOUR, so the code cannot be used to
    flood someone's inbox or phone.
    """
    user.ensure_can_write()
    hour_ago = timezone.now() - timedelta(hours=1)
    if (
        VerificationCode.objects.filter(user=user, created_at__gte=hour_ago).count()
        >= settings.VERIFICATION_CODES_PER_HOUR
    ):
        raise TooManyCodes(_("Too many codes requested. Please try again in an hour."))

    if purpose == Purpose.VERIFY_PHONE:
        channel, destination = Channel.SMS, str(user.phone)
    elif channel == Channel.SMS and user.phone and user.phone_verified:
        destination = str(user.phone)
    else:
        channel, destination = Channel.EMAIL, user.email

    row, code = VerificationCode.issue(
        user=user, purpose=purpose, channel=channel, destination=destination
    )
    label = str(Purpose(purpose).label)
    if channel == Channel.SMS:
        send_sms(
            to=destination,
            body=_("Partner Center code %(code)s (%(purpose)s). Expires in %(minutes)s minutes.")
            % {
                "code": code,
                "purpose": label,
                "minutes": settings.VERIFICATION_CODE_TTL_SECONDS // 60,
            },
        )
    else:
        emails.send_verification_code(user=user, to=destination, code=code, purpose_label=label)
    return row
