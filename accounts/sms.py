"""SPEC §1.5: SMS goes through a pluggable backend named by settings.SMS_BACKEND.

A production deployment points SMS_BACKEND at a class with the same `send` method that
talks to its SMS provider. The default writes the message to the log, where a developer
reads the code.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("partner_center.sms")


class LogSMSBackend:
    def send(self, *, to: str, body: str) -> None:
        logger.info("SMS to %s: %s", to, body)


def send_sms(*, to: str, body: str) -> None:
    import_string(settings.SMS_BACKEND)().send(to=to, body=body)
