from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Notification
        from .services import forget_unread_count

        def forget(sender, instance, **kwargs) -> None:
            forget_unread_count(instance.user_id)

        post_save.connect(forget, sender=Notification, dispatch_uid="notifications-unread")
        post_delete.connect(forget, sender=Notification, dispatch_uid="notifications-unread")
