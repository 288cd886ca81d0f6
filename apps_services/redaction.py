"""Keep Open API credentials out of every log line (SPEC §4.8).

The token API carries the app secret, auth codes and tokens in the query string, as TikTok
Shop's does, so any access log (Django's development server, a request logged on an error)
would print them. This logging filter, on the console handler, masks their values. Imported
by the logging configuration, so it must not import Django models.
"""

import logging
import re

CREDENTIAL_PARAMETERS = re.compile(
    r"(?P<key>\b(?:app_secret|auth_code|refresh_token|access_token|sign)=)[^&\s\"']+"
)
REDACTED = r"\g<key>[redacted]"


def redact(value):
    return CREDENTIAL_PARAMETERS.sub(REDACTED, value) if isinstance(value, str) else value


class RedactCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(arg) for key, arg in record.args.items()}
        return True
