from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenApiConfig(AppConfig):
    name = "open_api"
    verbose_name = _("Open API")

    def ready(self):
        from .emails import register_notification_renderers

        register_notification_renderers()

    def app_created(self, app) -> None:
        """apps_services made `app`: it starts with the standard flow's scopes and receives
        every webhook topic, as a developer expects (they unsubscribe on the topics page)."""
        from .models import WebhookDelivery, WebhookSubscription
        from .scopes import grant_default_scopes

        grant_default_scopes(app)
        WebhookSubscription.objects.bulk_create(
            [WebhookSubscription(app=app, event_type=t) for t in WebhookDelivery.EventType]
        )
