"""The API testing tool (apps/<pk>/api-testing/): the developer picks a signed endpoint, a
shop that authorized the app and the parameters; the portal signs the request as the app,
calls its own Open API (console/testing.py) and shows the curl, the string signed, the sign
and the answer."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.permissions import Module, module_required
from apps_services.models import App
from apps_services.views import app_permissions
from open_api.endpoints import BY_KEY, SCOPED, Endpoint
from open_api.models import parse_network
from open_api.openapi import document
from open_api.policy import Policy
from partner_center import throttle

from .. import testing
from ..forms import TestingToolForm


def operation(endpoint: Endpoint | None) -> dict:
    """The endpoint's operation in the OpenAPI document (its parameters, its security)."""
    if endpoint is None:
        return {}
    return document("")["paths"][endpoint.path][endpoint.method.lower()]


def developer_parameters(endpoint: Endpoint | None) -> list[dict]:
    return [
        parameter
        for parameter in operation(endpoint).get("parameters", [])
        if parameter["name"] not in testing.FILLED_BY_THE_PORTAL
    ]


def call_log_url(app: App, request_id: str) -> str:
    """The API call log's page for one call (route console:api-calls, apps/<pk>/api-calls/),
    built from the app's path so this page does not depend on that route's name."""
    return f"{app.get_absolute_url()}api-calls/?{urlencode({'request_id': request_id})}"


def _chosen_endpoint(key: str | None) -> Endpoint | None:
    endpoint = BY_KEY.get(key or "")
    return endpoint if endpoint in SCOPED else None


@login_required
@module_required(Module.AUTHORIZATIONS)
@never_cache
@require_http_methods(["GET", "POST"])
def api_testing(request, pk):
    """GET shows the form (view); POST calls the API as the app (manage)."""
    app = get_object_or_404(App, pk=pk, owner=request.user.holder)
    authorizations = list(app.authorizations.active().order_by("shop_name", "pk"))
    data = request.POST if request.method == "POST" else None
    key = (data or request.GET).get("endpoint") or SCOPED[0].key
    endpoint = _chosen_endpoint(key)
    initial = {"endpoint": key}
    if authorizations:
        initial["p_shop_cipher"] = authorizations[0].shop_cipher
    form = TestingToolForm(
        data,
        initial=initial,
        authorizations=authorizations,
        endpoint=endpoint,
        parameters=developer_parameters(endpoint),
    )
    needs_token = bool(operation(endpoint).get("security"))
    result = None
    if data is not None and form.is_valid() and endpoint is not None:
        result = testing.call(
            by=request.user,
            outer=request,
            authorization=form.chosen_authorization(),
            endpoint=endpoint,
            params=form.parameters(),
            needs_token=needs_token,
        )
    # The tool's calls carry this browser's address, and the app's IP allow-list applies to
    # them as to any call: say so before a refusal (36009007) puzzles the developer.
    address = throttle.client_address(request)
    networks = [parse_network(n) for n in app.allowed_networks.values_list("network", flat=True)]
    blocked = bool(networks) and not Policy(generation="", networks=tuple(networks)).allows(address)
    context = {
        "app": app,
        "blocked_address": address if blocked else "",
        # The API call log's page for this call: its route is apps/<pk>/api-calls/.
        "call_log_url": call_log_url(app, result.request_id) if result else "",
        "form": form,
        "endpoint": endpoint,
        "endpoints": SCOPED,
        "authorizations": authorizations,
        "result": result,
        "may": app_permissions(request.user),
        "needs_token": needs_token,
        "token_minutes": int(testing.TOKEN_TTL.total_seconds() // 60),
    }
    return render(request, "console/testing_tool.html", context)
