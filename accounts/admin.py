import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partner_center.throttle import client_ip
from reviews.admin import EstimatedCountPaginator

from .models import AccountEvent, User, VerificationCode
from .security_log import detail_items, request_ip


class BlacklistReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class AccountEventInline(admin.TabularInline):
    """The account's log, newest first; append-only, written by the model methods."""

    model = AccountEvent
    fk_name = "user"
    fields = ("created_at", "event_type", "acting_user", "target_user", "target", "ip", "details")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
    # One estimated count, not two exact ones, of a hundred thousand accounts.
    show_full_result_count = False
    list_per_page = 50
    paginator = EstimatedCountPaginator
    # SPEC §3.14: the blacklist is set by the third consecutive security review rejection
    # or the "Blacklist" action, and lifted by the "Lift blacklist" action, each of which
    # asks a reason and writes the account's log: never by editing the two fields.
    readonly_fields = ("last_login", "date_joined", "blacklisted_at", "blacklist_reason")
    actions = ["blacklist_selected", "lift_blacklist_selected"]
    inlines = [AccountEventInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Contact"), {"fields": ("phone", "phone_verified", "center", "language")}),
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

    def save_model(self, request, obj, form, change):
        # Staff who change a partner's login email or phone here leave it in the account's
        # security log, as the partner's own change (behind a code) does.
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                return
            for field, event_type in (
                ("email", AccountEvent.Type.LOGIN_EMAIL_CHANGED),
                ("phone", AccountEvent.Type.PHONE_CHANGED),
            ):
                if field in form.changed_data:
                    AccountEvent.record(
                        event_type,
                        user=obj,
                        acting_user=request.user,
                        ip=request_ip(request),
                        details={
                            "old": str(form.initial.get(field) or ""),
                            "new": str(getattr(obj, field) or ""),
                        },
                    )

    def user_change_password(self, request, id, form_url=""):
        # Django's view saves the form itself: the change is read off the stored hash.
        try:
            pk = int(unquote(id))
        except ValueError:
            return super().user_change_password(request, id, form_url)  # its 404
        with transaction.atomic():
            users = User.objects.filter(pk=pk).select_for_update()
            before = users.values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = users.first()
            if user is not None and before is not None and user.password != before:
                AccountEvent.record(
                    AccountEvent.Type.PASSWORD_CHANGED,
                    user=user,
                    acting_user=request.user,
                    ip=request_ip(request),
                    details={"via": "admin"},
                )
        return response

    @admin.action(description=_("Blacklist"), permissions=["change"])
    def blacklist_selected(self, request, queryset):
        return self._blacklist_action(request, queryset, lift=False)

    @admin.action(description=_("Lift blacklist"), permissions=["change"])
    def lift_blacklist_selected(self, request, queryset):
        return self._blacklist_action(request, queryset, lift=True)

    def _blacklist_action(self, request, queryset, *, lift: bool):
        form = BlacklistReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason, ip = form.cleaned_data["reason"], client_ip(request)
            users = list(queryset.order_by("pk"))
            for user in users:
                if lift:
                    user.lift_blacklist(by=request.user, reason=reason, ip=ip)
                else:
                    user.blacklist(by=request.user, reason=reason, ip=ip)
            message = (
                ngettext(
                    "Blacklist lifted for %(n)s account.",
                    "Blacklist lifted for %(n)s accounts.",
                    len(users),
                )
                if lift
                else ngettext(
                    "%(n)s account blacklisted.", "%(n)s accounts blacklisted.", len(users)
                )
            )
            self.message_user(request, message % {"n": len(users)}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "queryset": queryset,
            "form": form,
            "action": "lift_blacklist_selected" if lift else "blacklist_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "title": _("Lift blacklist") if lift else _("Blacklist"),
        }
        context["breadcrumb"] = context["submit_label"] = context["title"]
        return TemplateResponse(request, "admin/accounts/user/blacklist_selected.html", context)


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The security log of every account, read-only: rows are written by the code that makes
    each change and never added, changed or deleted (see AccountEvent)."""

    list_display = (
        "created_at",
        "event_type",
        "user",
        "acting_user",
        "target_summary",
        "ip",
        "details_summary",
    )
    list_filter = ("event_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("user__email", "acting_user__email", "target_user__email", "target")
    list_select_related = ("user", "acting_user", "target_user")
    fields = (
        "created_at",
        "event_type",
        "user",
        "acting_user",
        "target_user",
        "target",
        "ip",
        "details_pretty",
    )
    readonly_fields = fields
    show_full_result_count = False
    list_per_page = 50
    paginator = EstimatedCountPaginator

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("about"))
    def target_summary(self, event):
        return " · ".join(p for p in (str(event.target_user or ""), event.target) if p) or "—"

    @admin.display(description=_("details"))
    def details_summary(self, event):
        return "; ".join(f"{label}: {text}" for label, text in detail_items(event)) or "—"

    @admin.display(description=_("details"))
    def details_pretty(self, event):
        return format_html(
            "<pre>{}</pre>", json.dumps(event.details, indent=2, ensure_ascii=False, sort_keys=True)
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
