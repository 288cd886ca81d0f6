"""The team tables for staff: read-mostly (changes go through the partner's own pages and the
services, which write the security log). No token is shown: only its hash is stored, and
that is not shown either."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Membership, Role, TeamSettings


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "account", "builtin", "created_at"]
    list_filter = ["builtin", "created_at"]
    search_fields = ["name", "account__email"]
    fields = ["name", "builtin", "account", "permissions", "created_at"]
    list_select_related = ["account"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "account", "role", "joined_at"]
    list_filter = ["role__builtin", "joined_at"]
    search_fields = ["user__email", "user__account__email"]
    fields = ["user", "role", "invited_by", "joined_at"]
    list_select_related = ["user__account", "role"]

    @admin.display(description=_("account"))
    def account(self, membership):
        return membership.user.account


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "account", "role", "status", "created_at", "expires_at"]
    list_filter = ["created_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "account__email"]
    exclude = ["token_hash"]
    readonly_fields = [
        "account",
        "email",
        "role",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]
    list_select_related = ["account", "role"]


@admin.register(TeamSettings)
class TeamSettingsAdmin(ReadOnlyAdmin):
    list_display = ["account", "require_mfa"]
    list_filter = ["require_mfa"]
    search_fields = ["account__email"]
