"""The developer console's pages, under each app's path (apps/<pk>/…)."""

from django.urls import path

from .views import signature_debugger, testing_tool

app_name = "console"

urlpatterns: list = [
    path("<int:pk>/api-testing/", testing_tool.api_testing, name="api-testing"),
    path(
        "<int:pk>/signature-debugger/",
        signature_debugger.signature_debugger,
        name="signature-debugger",
    ),
]
