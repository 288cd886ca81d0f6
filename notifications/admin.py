from django.contrib import admin
from django.utils.translation import gettext_lazy

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, for support: what was announced and whether the email went out."""

    list_display = ("message", "user", "kind", "created_at", "read_at", "email_sent_at", "attempts")
    list_filter = ("kind", ("email_sent_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "title")
    list_select_related = ("user",)

    @admin.display(description=gettext_lazy("notification"))
    def message(self, obj):
        return obj.display_title

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
