"""The developer console's pages, under each app's path (apps/<pk>/…)."""

from django.urls import path

from .views import call_log

app_name = "console"

urlpatterns: list = [
    path("<int:pk>/api-calls/", call_log.api_calls, name="api-calls"),
]
