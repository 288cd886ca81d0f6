from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .forms import SellerAccountAdminForm
from .models import SellerAccount, Shop


class ShopInline(admin.TabularInline):
    model = Shop
    extra = 0
    fields = ("shop_id", "name", "region", "seller_type", "cipher")
    readonly_fields = ("cipher",)


@admin.register(SellerAccount)
class SellerAccountAdmin(admin.ModelAdmin):
    """Ops manage the Seller Center stand-in here. The password hash is never shown."""

    form = SellerAccountAdminForm
    inlines = [ShopInline]
    list_display = ("name", "email", "phone", "region", "kyc_status", "created_at")
    list_filter = ("kyc_status", "region")
    search_fields = ("email", "phone", "name", "shops__shop_id")
    fieldsets = (
        (_("Login"), {"fields": ("email", "phone", "new_password")}),
        (_("Seller"), {"fields": ("name", "region", "kyc_status")}),
    )


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("shop_id", "name", "region", "seller_type", "account")
    list_filter = ("seller_type", "region")
    search_fields = ("shop_id", "name", "account__email", "account__phone")
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    readonly_fields = ("cipher",)
