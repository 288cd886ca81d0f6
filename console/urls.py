"""The developer console's pages, under each app's path (apps/<pk>/…)."""

from django.urls import path

from .views import allow_list

app_name = "console"

urlpatterns: list = [
    path("<int:pk>/ip-allow-list/", allow_list.ip_allow_list, name="ip-allow-list"),
    path("<int:pk>/ip-allow-list/add/", allow_list.ip_allow_list_add, name="ip-allow-list-add"),
    path(
        "<int:pk>/ip-allow-list/<int:network_id>/remove/",
        allow_list.ip_allow_list_remove,
        name="ip-allow-list-remove",
    ),
]
