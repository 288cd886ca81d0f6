from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .forms import SellerAccountAdminForm
from .models import SellerAccount, Shop


class TestAccountFilter(admin.SimpleListFilter):
    """Real sellers apart from developers' sandbox test accounts."""

    title = _("Test account")
    parameter_name = "test"

    def __init__(self, request, params, model, model_admin):
        # The same filter serves accounts and shops: the path to the account's test owner.
        self.owner_field = "test_owner" if model is SellerAccount else "account__test_owner"
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.owner_field}__isnull": self.value() == "no"})
        return queryset


@admin.display(boolean=True, description=_("Test account"))
def is_test(obj) -> bool:
    return obj.is_test


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
    list_display = ("name", "email", "phone", "region", "kyc_status", is_test, "created_at")
    list_filter = ("kyc_status", "region", TestAccountFilter)
    search_fields = ("email", "phone", "name", "shops__shop_id")
    fieldsets = (
        (_("Login"), {"fields": ("email", "phone", "new_password")}),
        (_("Seller"), {"fields": ("name", "region", "kyc_status", "test_owner")}),
    )
    readonly_fields = ("test_owner",)


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("shop_id", "name", "region", "seller_type", "account", is_test)
    list_filter = ("seller_type", "region", TestAccountFilter)
    search_fields = ("shop_id", "name", "account__email", "account__phone")
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    readonly_fields = ("cipher",)
