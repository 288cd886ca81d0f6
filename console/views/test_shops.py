"""SPEC §9.1: an app's Test shops tab: the developer's sandbox test shops, made, deleted
and used to authorize the app through the real consent page (open_api.sandbox)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.permissions import Module, module_required
from apps_services.models import App
from apps_services.views import app_permissions
from open_api import sandbox
from open_api.models import Authorization
from sellers.views import sign_in

from ..forms import TestShopForm


def _owned_app(request, pk) -> App:
    # Another account's app is a 404: its existence is not theirs to know.
    return get_object_or_404(
        App.objects.select_related("category", "market", "owner"),
        pk=pk,
        owner=request.user.holder,
    )


def _owned_test_shop(request, test_shop_id):
    test_shop = sandbox.find_test_shop(owner=request.user.holder, test_shop_id=test_shop_id)
    if test_shop is None:
        raise Http404
    return test_shop


def _page(request, app: App, form: TestShopForm):
    test_shops = sandbox.test_shops_of(request.user.holder)
    authorized = set(
        Authorization.objects.active()
        .filter(app=app, seller_account_id__in=[t.account_id for t in test_shops])
        .values_list("seller_account_id", flat=True)
    )
    context = {
        "app": app,
        "form": form,
        "test_shops": test_shops,
        "authorized": authorized,
        "limit": settings.TEST_SHOPS_PER_DEVELOPER,
        "refusal": sandbox.authorize_refusal(app),
        "may": app_permissions(request.user),
    }
    return render(request, "console/test_shops.html", context)


@login_required
@module_required(Module.AUTHORIZATIONS)
@require_http_methods(["GET"])
def test_shops(request, pk):
    return _page(request, _owned_app(request, pk), TestShopForm())


@login_required
@module_required(Module.AUTHORIZATIONS)
@never_cache
@require_http_methods(["POST"])
def test_shop_create(request, pk):
    """Made: the login and password are on this answer only (not stored, not redirected
    through a URL), so the developer copies them now."""
    app = _owned_app(request, pk)
    form = TestShopForm(request.POST)
    if not form.is_valid():
        return _page(request, app, form)
    try:
        created = sandbox.create_test_shop(
            app_id=app.pk,
            by=request.user,
            name=form.cleaned_data["name"],
            ip=request.META.get("REMOTE_ADDR"),
        )
    except sandbox.TestShopRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, app, form)
    context = {"app": app, "created": created, "may": app_permissions(request.user)}
    return render(request, "console/test_shop_created.html", context)


@login_required
@module_required(Module.AUTHORIZATIONS)
@require_http_methods(["POST"])
def test_shop_delete(request, pk, test_shop_id):
    app = _owned_app(request, pk)
    test_shop = _owned_test_shop(request, test_shop_id)
    try:
        sandbox.delete_test_shop(
            test_shop_id=test_shop.account_id, by=request.user, ip=request.META.get("REMOTE_ADDR")
        )
    except sandbox.TestShopRefused as exc:  # deleted meanwhile, in another tab
        messages.info(request, str(exc))
        return redirect("console:test-shops", pk=app.pk)
    messages.success(
        request,
        _("Test shop %(name)s is deleted; its authorizations have ended.")
        % {"name": test_shop.shop.name},
    )
    return redirect("console:test-shops", pk=app.pk)


@login_required
@module_required(Module.AUTHORIZATIONS)
@require_http_methods(["POST"])
def test_shop_authorize(request, pk, test_shop_id):
    """Sign the test seller in to Seller Center and open the app's real consent page."""
    app = _owned_app(request, pk)
    test_shop = _owned_test_shop(request, test_shop_id)
    try:
        account = sandbox.test_seller_for_authorization(
            app_id=app.pk, test_shop_id=test_shop.account_id, by=request.user
        )
    except sandbox.TestShopRefused as exc:
        messages.error(request, str(exc))
        return redirect("console:test-shops", pk=app.pk)
    sign_in(request, account)
    # The state names the test shop: the developer's callback can tell which one consented.
    state = f"test-shop-{test_shop.shop.shop_id}"
    query = urlencode({"service_id": app.service_id, "state": state})
    return redirect(f"{reverse('open_api:authorize')}?{query}")
