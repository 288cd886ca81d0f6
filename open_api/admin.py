"""Seller authorization and webhooks (SPEC §4.7-4.9): read-only for support. The scope
catalog and the restricted scope requests staff decide; the gateway's rate limits; the IP
allow-lists are the developers' own (read-only here)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps_services import credentials
from apps_services.models import App

from . import endpoints, scopes
from .models import (
    DECIDE_PERMISSION,
    AllowedNetwork,
    ApiCall,
    AppScope,
    Authorization,
    RateLimit,
    Scope,
    WebhookAttempt,
    WebhookDelivery,
)


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


# --- Scopes: the catalog, and the restricted scope requests staff decide -------------------


class ScopeForm(forms.ModelForm):
    endpoints = forms.MultipleChoiceField(
        label=gettext_lazy("endpoints"),
        choices=endpoints.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The Open API endpoints this scope covers."),
    )

    class Meta:
        model = Scope
        fields = ("key", "name", "description", "restricted", "endpoints", "position")


@admin.register(Scope)
class ScopeAdmin(admin.ModelAdmin):
    """The catalog. An edit changes what every app's calls may reach, so each save draws a
    new credentials generation for every app (the API's processes reload their scopes)."""

    form = ScopeForm
    list_display = ("key", "name", "restricted", "endpoint_list", "position")
    list_editable = ("position",)
    ordering = ("position", "key")

    def get_readonly_fields(self, request, obj=None):
        # The key is what tokens and grants spell: fixed once made.
        return ("key",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # apps and grants name scopes; retire one by emptying its endpoints

    @admin.display(description=gettext_lazy("endpoints"))
    def endpoint_list(self, obj):
        return ", ".join(obj.endpoints) or "—"

    def changelist_view(self, request, extra_context=None):
        Scope.objects.ensure_catalog()
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        credentials.changed(App.objects.values_list("app_key", flat=True))


class ScopeDecisionForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (shown to the developer; required to reject)"),
        required=False,
        # Shown inside the change form, sent with the decision's own form (see the template).
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "form": "scope-decision"}),
    )


class AwaitingFilter(admin.SimpleListFilter):
    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("requested", gettext_lazy("Awaiting a decision"))]

    def queryset(self, request, queryset):
        if self.value() == "requested":
            return queryset.awaiting_decision()
        return queryset


@admin.register(AppScope)
class AppScopeAdmin(admin.ModelAdmin):
    """Restricted scope requests. Read-only; Approve and Reject run
    `scopes.decide_scope_request` (lock, transition, security log, developer told)."""

    change_form_template = "admin/open_api/appscope/change_form.html"
    list_display = ("app", "scope", "state", "requested_by", "requested_at", "decided_at")
    list_filter = (AwaitingFilter, "state", "scope")
    search_fields = ("app__name", "app__app_key", "app__owner__email")
    list_select_related = ("app", "scope", "requested_by")
    ordering = ("-requested_at", "-pk")
    fields = (
        "app",
        "scope",
        "state",
        "reason",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm(DECIDE_PERMISSION)

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [
            path("<int:object_id>/decide/", decide, name="open_api_appscope_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_decide": obj is not None
            and obj.state == AppScope.State.REQUESTED
            and self.has_decide_permission(request),
            "decision_form": ScopeDecisionForm(),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(require_POST)
    def decide_view(self, request, object_id):
        """Approve or Reject, with the note typed beside the buttons."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        form = ScopeDecisionForm(request.POST)
        form.is_valid()
        back = redirect("admin:open_api_appscope_change", object_id)
        try:
            row = scopes.decide_scope_request(
                app_scope_id=object_id,
                by=request.user,
                approve=request.POST.get("decision") == "approve",
                note=form.cleaned_data.get("note", ""),
            )
        except AppScope.DoesNotExist as exc:
            raise Http404 from exc
        except scopes.ScopeRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return back
        self.message_user(
            request,
            _("The request is decided (%(state)s); the developer is notified.")
            % {"state": row.get_state_display()},
            messages.SUCCESS,
        )
        return back


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
                label=gettext_lazy("endpoint"),
                choices=endpoints.choices(),
                help_text=db_field.help_text,
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


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    """The API call log, for support: find a developer's call by the request id they quote."""

    list_display = (
        "at",
        "request_id",
        "app",
        "endpoint",
        "shop_id",
        "status",
        "code",
        "latency_ms",
        "ip",
    )
    search_fields = ("=request_id",)
    list_select_related = ("app",)
    show_full_result_count = False  # a week of calls: no COUNT(*) over the table per page
