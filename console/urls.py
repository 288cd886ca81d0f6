"""The developer console's pages, under each app's path (apps/<pk>/…)."""

from django.urls import path

from .views import scopes

app_name = "console"

urlpatterns: list = [
    # Scopes per app: choose, request a restricted one, withdraw.
    path("<int:pk>/scopes/", scopes.app_scopes, name="scopes"),
    path("<int:pk>/scopes/<str:key>/request/", scopes.scope_request, name="scope-request"),
    path("<int:pk>/scopes/<str:key>/withdraw/", scopes.scope_withdraw, name="scope-withdraw"),
]
