"""The URL configuration of the Open API's lean request path (partner_center/handlers.py):
its routes only, so resolving a call does not walk every route of the portal first."""

from django.urls import include, path

from .urls import API_URLS, app_name

urlpatterns = [path("", include((API_URLS, app_name)))]
