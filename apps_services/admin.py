from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews.admin import ReviewAdminMixin

from . import services
from .models import (
    REVIEW_PERMISSION,
    App,
    AppEvent,
    SellerBinding,
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
class AppAdmin(ReviewAdminMixin, admin.ModelAdmin):
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

    review_permission = REVIEW_PERMISSION
    approve_transition = "approve_review"

    def decide(self, request, object_id, **decision) -> None:
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

    def reject_form(self, request):
        return RejectAppForm(request.POST or None)

    def reject_context(self, obj) -> dict:
        return {
            "title": _("Reject app %(name)s") % {"name": obj.name},
            "intro": _(
                'Reject app %(name)s of %(user)s in app review. It goes back to "Not '
                'published"; the developer sees the reason on the app page and can publish '
                "again after fixing it."
            )
            % {"name": obj.name, "user": obj.owner},
            "submit_label": _("Reject app"),
        }


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
