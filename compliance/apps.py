from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance review")

    def ready(self):
        from .emails import register_notification_renderers

        register_notification_renderers()
