"""The Open API's routes. Included at the site root: the protocol paths are the ones TikTok
Shop publishes (SPEC §4.7-4.8), so integrations only change their base URL; the pages keep
the paths they had under apps/ and seller/."""

from django.urls import path, re_path

from . import api, views

app_name = "open_api"

# The Open API itself: also the whole URL configuration of its lean request path
# (partner_center/handlers.py, api_urls.py).
API_URLS = [
    path("api/v2/token/get", api.token_get, name="token-get"),
    path("api/v2/token/refresh", api.token_refresh, name="token-refresh"),
    path("authorization/202309/shops", api.authorized_shops, name="shops"),
    path("authorization/202403/shops", api.deauthorize_shop, name="deauthorize"),
    # Anything else under the API prefixes answers in the API's JSON shape, never HTML.
    re_path(r"^(?:api|authorization)/", api.not_found),
]

urlpatterns = [
    # The seller authorization link and the Open API.
    path("open/authorize", views.authorize, name="authorize"),
    path("open/openapi.json", api.openapi_document, name="document"),
    *API_URLS,
    # The seller's side, in the Seller Center stand-in (SPEC §4.9, §6).
    path("seller/apps/<str:service_id>/logo/", views.app_logo, name="app-logo"),
    path("seller/authorizations/", views.authorization_list, name="authorization-list"),
    path(
        "seller/authorizations/<int:authorization_id>/revoke/",
        views.authorization_revoke,
        name="authorization-revoke",
    ),
    # The developer's side of an app: authorized shops and the webhook log.
    path("apps/<int:pk>/authorizations/", views.app_authorizations, name="app-authorizations"),
    path(
        "apps/<int:pk>/authorizations/<int:authorization_id>/deauthorize/",
        views.app_deauthorize,
        name="app-deauthorize",
    ),
    path("apps/<int:pk>/webhooks/", views.app_webhooks, name="app-webhooks"),
    path("apps/<int:pk>/webhooks/test/", views.app_webhook_test, name="app-webhook-test"),
    path("apps/<int:pk>/webhooks/topics/", views.app_webhook_topics, name="app-webhook-topics"),
    path(
        "apps/<int:pk>/webhooks/<int:delivery_id>/redeliver/",
        views.app_webhook_redeliver,
        name="app-webhook-redeliver",
    ),
]
