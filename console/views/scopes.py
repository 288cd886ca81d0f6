"""An app's scopes (apps/<pk>/scopes/): tick the unrestricted ones, request the restricted
ones with a reason, withdraw a request. Staff decide requests in admin."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.permissions import Module, module_required
from apps_services.models import App
from apps_services.views import app_permissions
from open_api import scopes
from open_api.models import AppScope, Scope


class ScopeRequestForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why does the app need this scope?"),
        min_length=scopes.MIN_REASON_LENGTH,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _owned_app(request, pk) -> App:
    """Another partner's app is a 404: its existence is not theirs to know."""
    return get_object_or_404(App, pk=pk, owner=request.user.holder)


def _page(request, app: App, *, failed: tuple[str, forms.Form] | None = None, status=200):
    Scope.objects.ensure_catalog()
    held = {row.scope_id: row for row in AppScope.objects.filter(app=app)}
    rows = []
    for scope in Scope.objects.order_by("position", "key"):
        form = (
            failed[1]
            if failed and failed[0] == scope.key
            else ScopeRequestForm(auto_id=f"id_{scope.key.replace('.', '_')}_%s")
        )
        rows.append({"scope": scope, "app_scope": held.get(scope.key), "form": form})
    context = {
        "app": app,
        "rows": rows,
        "may": app_permissions(request.user),
        "min_reason": scopes.MIN_REASON_LENGTH,
    }
    return render(request, "console/app_scopes.html", context, status=status)


@login_required
@module_required(Module.APPS)
@require_http_methods(["GET", "POST"])
def app_scopes(request, pk):
    """The catalog with what the app holds; POST: the ticked unrestricted scopes."""
    app = _owned_app(request, pk)
    if request.method == "GET":
        return _page(request, app)
    try:
        added, removed = scopes.choose_scopes(
            app_id=app.pk, by=request.user, keys=set(request.POST.getlist("scopes"))
        )
    except scopes.ScopeRefused as exc:
        messages.error(request, str(exc))
    else:
        if added or removed:
            messages.success(
                request,
                _(
                    "Scopes saved. Shops that authorized the app before must authorize it again "
                    "to grant a scope it added."
                ),
            )
        else:
            messages.info(request, _("Nothing changed."))
    return redirect("console:scopes", pk=app.pk)


@login_required
@module_required(Module.APPS)
@require_http_methods(["POST"])
def scope_request(request, pk, key):
    """Request a restricted scope (or request it again after a rejection), with a reason."""
    app = _owned_app(request, pk)
    scope = get_object_or_404(Scope, key=key, restricted=True)
    form = ScopeRequestForm(request.POST, auto_id=f"id_{scope.key.replace('.', '_')}_%s")
    if not form.is_valid():
        return _page(request, app, failed=(scope.key, form), status=400)
    try:
        scopes.request_scope(
            app_id=app.pk, by=request.user, scope_key=scope.key, reason=form.cleaned_data["reason"]
        )
    except scopes.ScopeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(scope)s is requested. You are notified when the reviewers decide.")
            % {"scope": scope.key},
        )
    return redirect("console:scopes", pk=app.pk)


@login_required
@module_required(Module.APPS)
@require_http_methods(["POST"])
def scope_withdraw(request, pk, key):
    """Withdraw a restricted scope's request, or give up the restricted scope."""
    app = _owned_app(request, pk)
    scope = get_object_or_404(Scope, key=key, restricted=True)
    try:
        scopes.withdraw_scope(app_id=app.pk, by=request.user, scope_key=scope.key)
    except scopes.ScopeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(scope)s is withdrawn.") % {"scope": scope.key})
    return redirect("console:scopes", pk=app.pk)
