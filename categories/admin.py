from django.contrib import admin

from .models import Market, PartnerRole, PartnerType, Region, ServiceCategory


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "position")
    list_editable = ("position",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "local_market", "is_cross_border", "position")
    list_filter = ("is_cross_border",)


@admin.register(PartnerRole)
class PartnerRoleAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "track", "position")
    list_filter = ("track",)


@admin.register(PartnerType)
class PartnerTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "track", "is_active", "position")
    list_filter = ("track", "is_active")
    filter_horizontal = ("cross_border_markets",)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = (
        "first_level",
        "name",
        "role",
        "open_to_local",
        "open_to_cross_border",
        "discontinued",
        "grants_shop_registration",
    )
    list_filter = ("discontinued", "first_level", "role", "partner_types", "markets")
    search_fields = ("name", "first_level", "code")
    filter_horizontal = ("partner_types", "markets")
    list_select_related = ("role",)
