"""Seller authorization and webhooks (SPEC §4.7-4.9): read-only for support. The gateway's
rate limits are set here; the IP allow-lists are the developers' own (read-only here)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps_services import credentials

from . import endpoints
from .models import AllowedNetwork, Authorization, RateLimit, WebhookAttempt, WebhookDelivery


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


@admin.register(RateLimit)
class RateLimitAdmin(admin.ModelAdmin):
    """Requests per second per app and shop on an endpoint. Every save and delete renews the
    generation of the apps the row governs (all of them for a row without an app), so every
    process applies the new rate on its next call."""

    list_display = ("endpoint", "app", "per_second")
    list_filter = ("endpoint",)
    search_fields = ("endpoint", "app__name", "app__app_key")
    list_select_related = ("app",)
    raw_id_fields = ("app",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "endpoint":
            return forms.ChoiceField(
                label=_("endpoint"), choices=endpoints.choices(), help_text=db_field.help_text
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # The app the row governed before (its app may have changed) and the ones it governs now.
        before = RateLimit.objects.filter(pk=obj.pk).app_keys() if change else []
        super().save_model(request, obj, form, change)
        credentials.changed([*before, *RateLimit.objects.filter(pk=obj.pk).app_keys()])

    def delete_model(self, request, obj):
        app_keys = RateLimit.objects.filter(pk=obj.pk).app_keys()
        super().delete_model(request, obj)
        credentials.changed(app_keys)

    def delete_queryset(self, request, queryset):
        app_keys = queryset.app_keys()
        super().delete_queryset(request, queryset)
        credentials.changed(app_keys)


@admin.register(AllowedNetwork)
class AllowedNetworkAdmin(ReadOnlyAdmin):
    """The developers edit their allow-lists on the app's page (audited there)."""

    list_display = ("network", "app", "note", "created_by", "created_at")
    search_fields = ("network", "app__name", "app__app_key")
    list_select_related = ("app", "created_by")
