from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenApiConfig(AppConfig):
    name = "open_api"
    verbose_name = _("Open API")
