"""Keep Open API credentials out of every log line (SPEC §4.8).

The token API carries the app secret, auth codes and tokens in the query string, as TikTok
Shop's does, so any access log (Django's development server, a request logged on an error)
would print them. This logging filter, on the console handler, masks their values. Imported
by the logging configuration, so it must not import Django models.
"""

import logging
import re

# Every name a credential travels under: query strings and form bodies (name=value), JSON
# ("name": "value") and headers (name: value). `code` is the authorization code of the
# consent redirect and of token/get; `sign` a request signature.
CREDENTIAL_NAMES = (
    "app_secret|secret|auth_code|code|refresh_token|access_token|token|sign|password|"
    "password1|password2|x-tts-access-token|authorization"
)
CREDENTIAL_PARAMETERS = re.compile(
    rf"(?P<key>(?<![\w-])(?:{CREDENTIAL_NAMES})=)[^&\s\"']+", re.IGNORECASE
)
CREDENTIAL_JSON = re.compile(rf"(?P<key>\"(?:{CREDENTIAL_NAMES})\"\s*:\s*\")[^\"]*", re.IGNORECASE)
CREDENTIAL_HEADERS = re.compile(
    r"(?P<key>(?<![\w-])(?:x-tts-access-token|authorization):\s*)[^\s,'\"]+", re.IGNORECASE
)
REDACTED = r"\g<key>[redacted]"


def redact(value):
    if not isinstance(value, str):
        return value
    for pattern in (CREDENTIAL_PARAMETERS, CREDENTIAL_JSON, CREDENTIAL_HEADERS):
        value = pattern.sub(REDACTED, value)
    return value


class RedactCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(arg) for key, arg in record.args.items()}
        return True
