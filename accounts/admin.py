from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User, VerificationCode


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("-date_joined",)
    list_display = ("email", "phone", "center", "is_staff", "is_active", "date_joined")
    list_filter = (
        "center",
        "is_staff",
        "is_active",
        ("blacklisted_at", admin.EmptyFieldListFilter),
        "groups",
    )
    search_fields = ("email", "phone")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Contact"), {"fields": ("phone", "phone_verified", "center", "language")}),
        # SPEC §3.14: set by the third consecutive security review rejection; staff may
        # clear both fields to lift it after an appeal.
        (_("Blacklist"), {"fields": ("blacklisted_at", "blacklist_reason")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "center", "password1", "password2")}),
    )


@admin.register(VerificationCode)
class VerificationCodeAdmin(admin.ModelAdmin):
    """Read-only: support staff can see that a code was sent, never what it was."""

    list_display = ("user", "purpose", "channel", "created_at", "expires_at", "attempts", "used_at")
    list_filter = ("purpose", "channel")
    search_fields = ("user__email",)
    exclude = ("code_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
