from django.contrib import admin
from django.urls import include, path

from accounts.views import allauth_change_redirect

admin.site.site_header = "Partner Center review"
admin.site.site_title = "Partner Center review"
admin.site.index_title = "Review and operations"

urlpatterns = [
    path("admin/", admin.site.urls),
    # SPEC §1.5: every change of email or password goes through a verification code.
    path("account/email/", allauth_change_redirect, {"what": "email"}),
    path("account/password/change/", allauth_change_redirect, {"what": "password"}),
    path("account/password/set/", allauth_change_redirect, {"what": "password"}),
    path("account/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("catalog/", include("categories.urls")),
    path("onboarding/", include("onboarding.urls")),
    path("apps/", include("apps_services.urls")),
    path("", include("accounts.urls")),
]
