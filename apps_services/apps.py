from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppsServicesConfig(AppConfig):
    name = "apps_services"
    verbose_name = _("Apps and services")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
