"""Seller authorization and webhooks (SPEC §4.7-4.9): read-only for support."""

from django.contrib import admin

from .models import ApiCall, Authorization, WebhookAttempt, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyAdmin):
    list_display = ("app", "shop_name", "shop_id", "authorized_at", "expires_at", "revoked_at")
    list_filter = ("ended_by",)
    search_fields = ("shop_id", "shop_name", "app__name", "app__app_key")
    list_select_related = ("app",)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ("number", "at", "url", "status_code", "latency_ms", "error", "response_excerpt")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("notification_id", "app", "event_type", "state", "attempts", "next_attempt_at")
    list_filter = ("state", "event_type")
    search_fields = ("notification_id", "app__name", "shop_id")
    list_select_related = ("app",)
    inlines = [WebhookAttemptInline]


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    """The API call log, for support: find a developer's call by the request id they quote."""

    list_display = (
        "at",
        "request_id",
        "app",
        "endpoint",
        "shop_id",
        "status",
        "code",
        "latency_ms",
        "ip",
    )
    search_fields = ("=request_id",)
    list_select_related = ("app",)
    show_full_result_count = False  # a week of calls: no COUNT(*) over the table per page
