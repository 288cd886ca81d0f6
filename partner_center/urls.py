from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.forms import ReviewerLoginForm
from accounts.views import allauth_change_redirect, set_language
from partner_center.health import health

admin.site.site_header = _("Partner Center review")
admin.site.site_title = _("Partner Center review")
admin.site.index_title = _("Review and operations")
admin.site.login_form = ReviewerLoginForm  # wrong passwords limited like the partner login

urlpatterns = [
    # For load balancers and compose healthchecks: JSON, 503 only without the database.
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    # SPEC §1.5: every change of email or password goes through a verification code.
    path("account/email/", allauth_change_redirect, {"what": "email"}),
    path("account/password/change/", allauth_change_redirect, {"what": "password"}),
    path("account/password/set/", allauth_change_redirect, {"what": "password"}),
    path("account/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("catalog/", include("categories.urls")),
    path("onboarding/", include("onboarding.urls")),
    path("apps/", include("apps_services.urls")),
    path("seller/", include("sellers.urls")),
    # SPEC §4.7-4.9: the seller authorization link and the Open API at the paths TikTok Shop
    # publishes, and the Open API's pages under apps/ and seller/.
    path("", include("open_api.urls")),
    # The partner pages (referrals/…) and the public short link r/<token> (SPEC §5).
    path("", include("referrals.urls")),
    path("", include("accounts.urls")),
]
