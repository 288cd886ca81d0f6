from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Onboarding and review")

    def ready(self):
        from . import checks  # noqa: F401 (registers the deploy checks)
        from .emails import register_notification_renderers
        from .roles_cache import connect

        register_notification_renderers()
        connect()
