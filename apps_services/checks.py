"""Deployment checks for app secrets at rest (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def encryption_key_is_set(app_configs, **kwargs):
    # Derived from SECRET_KEY, the key would change with it: every app secret would stop
    # decrypting (Reveal, the Open API and webhook signing all fail) and leak with it.
    if settings.DEBUG or settings.APP_SECRET_ENCRYPTION_KEY:
        return []
    return [
        Error(
            "APP_SECRET_ENCRYPTION_KEY is not set: app secrets are encrypted with a key derived "
            "from SECRET_KEY, so changing SECRET_KEY breaks every app.",
            hint=(
                "Generate a key with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`, set APP_SECRET_ENCRYPTION_KEY to it "
                "and run `manage.py rotate_encryption_key`."
            ),
            id="partner_center.E001",
        )
    ]
