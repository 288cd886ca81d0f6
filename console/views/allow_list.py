"""An app's IP allow-list (SPEC §9.7): the addresses and ranges its Open API calls may come
from. Reading needs App & Service (view); adding and removing, App & Service (manage)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.permissions import Module, module_required
from accounts.security_log import request_ip
from apps_services.models import App
from apps_services.views import app_permissions
from open_api import allow_list
from partner_center.throttle import client_address


class AllowedNetworkForm(forms.Form):
    network = forms.CharField(
        label=gettext_lazy("Address or range"),
        max_length=60,
        help_text=gettext_lazy(
            "An IPv4 or IPv6 address (203.0.113.7, 2001:db8::7) or a CIDR range "
            "(203.0.113.0/24, 2001:db8::/48)."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Optional: which server or office this is."),
    )

    def clean_network(self) -> str:
        return allow_list.normalize_network(self.cleaned_data["network"])


def _owned_app(request, pk) -> App:
    # A team member reaches the apps of the account they work for; another's is a 404.
    return get_object_or_404(App, pk=pk, owner=request.user.holder)


def _page(request, app: App, form: AllowedNetworkForm, *, status: int = 200):
    return render(
        request,
        "console/ip_allow_list.html",
        {
            "app": app,
            "networks": app.allowed_networks.select_related("created_by"),
            "form": form,
            "browser_address": client_address(request),
            "may": app_permissions(request.user),
        },
        status=status,
    )


@login_required
@module_required(Module.APPS)
@require_http_methods(["GET"])
def ip_allow_list(request, pk):
    """The list, the form to add to it, and the address this browser is seen from."""
    return _page(request, _owned_app(request, pk), AllowedNetworkForm())


@login_required
@module_required(Module.APPS)
@require_http_methods(["POST"])
def ip_allow_list_add(request, pk):
    app = _owned_app(request, pk)
    form = AllowedNetworkForm(request.POST)
    if form.is_valid():
        try:
            allowed = allow_list.add_allowed_network(
                app_id=app.pk,
                by=request.user,
                network=form.cleaned_data["network"],
                note=form.cleaned_data["note"],
                ip=request_ip(request),
            )
        except ValidationError as exc:
            form.add_error("network", exc)
        else:
            messages.success(
                request,
                _("%(network)s added: the app's calls are accepted from it at once.")
                % {"network": allowed.network},
            )
            return redirect("console:ip-allow-list", pk=app.pk)
    return _page(request, app, form, status=400)


@login_required
@module_required(Module.APPS)
@require_http_methods(["POST"])
def ip_allow_list_remove(request, pk, network_id):
    app = _owned_app(request, pk)
    removed = allow_list.remove_allowed_network(
        app_id=app.pk, by=request.user, network_id=network_id, ip=request_ip(request)
    )
    if removed is None:
        messages.info(request, _("That address was already removed."))
    elif app.allowed_networks.exists():
        messages.success(request, _("%(network)s removed.") % {"network": removed})
    else:
        messages.success(
            request,
            _("%(network)s removed. The list is empty: calls are accepted from any address.")
            % {"network": removed},
        )
    return redirect("console:ip-allow-list", pk=app.pk)
