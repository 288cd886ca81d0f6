from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import (
    REVIEW_PERMISSION,
    App,
    AppEvent,
    Authorization,
    SellerBinding,
    WebhookAttempt,
    WebhookDelivery,
)


@admin.register(SellerBinding)
class SellerBindingAdmin(admin.ModelAdmin):
    """Support can see and undo a binding; a binding is created only by the partner."""

    list_display = ("partner", "seller_account_id", "own_shop_id", "verified_at")
    search_fields = ("partner__email", "seller_account_id", "own_shop_id")
    list_select_related = ("partner",)
    readonly_fields = ("partner", "seller_account_id", "own_shop_id", "verified_at")

    def has_add_permission(self, request):
        return False


class AppEventInline(admin.TabularInline):
    model = AppEvent
    extra = 0
    can_delete = False
    fields = ("at", "by", "kind", "source", "target", "note", "ip")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("History")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RejectAppForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason shown to the developer"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    """App review (SPEC §4.2) and support. Read-only: the secret is never shown here (only
    its owner can reveal it), apps are never deleted, and states move only through the
    review buttons, which run the FSM transitions through `services`."""

    change_form_template = "admin/apps_services/app/change_form.html"
    list_display = ("name", "owner", "app_type", "category", "market", "state", "created_at")
    list_filter = ("state", "app_type", "category", "market")
    search_fields = ("name", "app_key", "service_id", "owner__email")
    list_select_related = ("owner", "category", "market")
    inlines = [AppEventInline]
    # Never list the secret columns: a field left out here is not on any admin page.
    fields = (
        "name",
        "owner",
        "app_type",
        "state",
        "category",
        "market",
        "seller_type",
        "api_enabled",
        "redirect_url",
        "webhook_url",
        "app_key",
        "service_id",
        "secret_rotated_at",
        "review_note",
        "created_at",
        "published_at",
        "deactivated_at",
    )
    readonly_fields = fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # A deactivated app is view-only here as everywhere (the model refuses saves too).
        if obj is not None and obj.is_deactivated:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm(REVIEW_PERMISSION)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/approve/",
                wrap(self.approve_view),
                name="apps_services_app_approve",
            ),
            path(
                "<int:object_id>/reject/",
                wrap(self.reject_view),
                name="apps_services_app_reject",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_review": self.has_review_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(self, request, object_id, **decision) -> None:
        if not self.has_review_permission(request):
            raise PermissionDenied
        try:
            app = services.review_app(app_id=object_id, by=request.user, **decision)
        except App.DoesNotExist as exc:
            raise Http404 from exc
        except services.AppActionRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            _("App %(name)s is now %(state)s.")
            % {"name": app.name, "state": app.get_state_display()},
            messages.SUCCESS,
        )

    def approve_view(self, request, object_id):
        if request.method == "POST":
            self._decide(request, object_id, approve=True)
        return redirect("admin:apps_services_app_change", object_id)

    def reject_view(self, request, object_id):
        if not self.has_review_permission(request):
            raise PermissionDenied
        app = App.objects.filter(pk=object_id).first()
        if app is None:
            raise Http404
        form = RejectAppForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            self._decide(request, object_id, approve=False, reason=form.cleaned_data["reason"])
            return redirect("admin:apps_services_app_change", object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": app,
            "form": form,
            "title": _("Reject app %(name)s") % {"name": app.name},
        }
        return TemplateResponse(request, "admin/apps_services/app/reject.html", context)


@admin.register(AppEvent)
class AppEventAdmin(admin.ModelAdmin):
    """The audit trail, for support; it is written only by the app's own actions."""

    list_display = ("at", "app", "kind", "by", "source", "target", "ip")
    list_filter = ("kind",)
    search_fields = ("app__name", "app__app_key", "by__email")
    list_select_related = ("app", "by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Seller authorization and webhooks (SPEC §4.7-4.9): read-only for support -------------


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
