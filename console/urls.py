"""The developer console's pages, under each app's path (apps/<pk>/…)."""

from django.urls import path

from .views import allow_list, call_log, scopes, signature_debugger, test_shops, testing_tool

app_name = "console"

urlpatterns: list = [
    path("<int:pk>/test-shops/", test_shops.test_shops, name="test-shops"),
    path("<int:pk>/test-shops/new/", test_shops.test_shop_create, name="test-shop-create"),
    path(
        "<int:pk>/test-shops/<int:test_shop_id>/delete/",
        test_shops.test_shop_delete,
        name="test-shop-delete",
    ),
    path(
        "<int:pk>/test-shops/<int:test_shop_id>/authorize/",
        test_shops.test_shop_authorize,
        name="test-shop-authorize",
    ),
    path("<int:pk>/api-testing/", testing_tool.api_testing, name="api-testing"),
    path(
        "<int:pk>/signature-debugger/",
        signature_debugger.signature_debugger,
        name="signature-debugger",
    ),
    # Scopes per app: choose, request a restricted one, withdraw.
    path("<int:pk>/scopes/", scopes.app_scopes, name="scopes"),
    path("<int:pk>/scopes/<str:key>/request/", scopes.scope_request, name="scope-request"),
    path("<int:pk>/scopes/<str:key>/withdraw/", scopes.scope_withdraw, name="scope-withdraw"),
    path("<int:pk>/ip-allow-list/", allow_list.ip_allow_list, name="ip-allow-list"),
    path("<int:pk>/ip-allow-list/add/", allow_list.ip_allow_list_add, name="ip-allow-list-add"),
    path(
        "<int:pk>/ip-allow-list/<int:network_id>/remove/",
        allow_list.ip_allow_list_remove,
        name="ip-allow-list-remove",
    ),
    path("<int:pk>/api-calls/", call_log.api_calls, name="api-calls"),
]
