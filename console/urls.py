"""The developer console's pages, under each app's path (apps/<pk>/…)."""

from django.urls import path  # noqa: F401  (each page adds its routes below)

app_name = "console"

urlpatterns: list = []
