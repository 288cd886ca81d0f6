"""Read-only views for ops: services change state only through their owners' actions."""

from django.contrib import admin

from .models import (
    ClickFlush,
    DailyClicks,
    ReferralLink,
    ReferralSignup,
    ServiceEvent,
    ShopRegistrationService,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceEventInline(admin.TabularInline):
    model = ServiceEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "name", "source", "target", "by", "note")

    def has_add_permission(self, request, obj=None):
        return False


class ReferralLinkInline(admin.TabularInline):
    model = ReferralLink
    extra = 0
    can_delete = False
    readonly_fields = ("seller_type", "token", "clicks", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ShopRegistrationService)
class ShopRegistrationServiceAdmin(ReadOnlyAdmin):
    list_display = ("name", "partner", "market", "state", "created_at", "published_at")
    list_filter = ("state", "market")
    search_fields = ("name", "partner__email")
    inlines = [ReferralLinkInline, ServiceEventInline]


@admin.register(ReferralLink)
class ReferralLinkAdmin(ReadOnlyAdmin):
    list_display = ("service", "seller_type", "clicks", "created_at")
    list_filter = ("seller_type",)
    search_fields = ("service__name", "service__partner__email", "token")


@admin.register(ReferralSignup)
class ReferralSignupAdmin(ReadOnlyAdmin):
    list_display = ("seller_account_id", "link", "created_at")
    search_fields = ("seller_account_id", "link__service__partner__email")


@admin.register(DailyClicks)
class DailyClicksAdmin(ReadOnlyAdmin):
    list_display = ("link", "day", "count")
    date_hierarchy = "day"


@admin.register(ClickFlush)
class ClickFlushAdmin(ReadOnlyAdmin):
    list_display = ("flush_id", "clicks", "processed_at")
