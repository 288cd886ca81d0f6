from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # allauth.mfa's signals are the extension point of that library (its views make the
        # changes): accounts/security.py turns them into security log rows (SPEC §8.5).
        from . import security

        security.connect()
