from allauth.account.views import logout
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from accounts.decorators import allowed_when_blacklisted, allowed_when_blacklisted_urls
from accounts.forms import ReviewerLoginForm
from accounts.permissions import Access, Module, module_required_urls
from accounts.views import allauth_change_redirect, set_language
from notifications import urls as notification_urls
from partner_center.health import health
from sellers import urls as seller_urls

admin.site.site_header = _("Partner Center review")
admin.site.site_title = _("Partner Center review")
admin.site.index_title = _("Review and operations")
admin.site.login_form = ReviewerLoginForm  # wrong passwords limited like the partner login

urlpatterns = [
    # For load balancers and compose healthchecks: JSON, 503 only without the database.
    path("health/", health, name="health"),
    # The security review queue moved to the compliance app's admin; links and bookmarks to
    # its old address land on the same page.
    re_path(
        r"^admin/onboarding/compliancereview/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/compliance/compliancereview/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
    # SPEC §1.5: every change of email or password goes through a verification code.
    path("account/email/", allauth_change_redirect, {"what": "email"}),
    path("account/password/change/", allauth_change_redirect, {"what": "password"}),
    path("account/password/set/", allauth_change_redirect, {"what": "password"}),
    # A blacklisted account may still log out (SPEC §3.14): allauth's view, marked.
    path("account/logout/", allowed_when_blacklisted(logout), name="account_logout"),
    # SPEC §8.4: My Account › Security is the two-factor overview; allauth's own lands there.
    path("account/2fa/", RedirectView.as_view(pattern_name="accounts:security")),
    path("account/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("catalog/", include("categories.urls")),
    # The compliance review's pages keep their /onboarding/compliance/ paths.
    path("onboarding/compliance/", include("compliance.urls")),
    # Opening a notification and marking all read change only how the account reads: open to
    # a blacklisted account (SPEC §3.14). Marked here, as the outbox imports no domain app.
    path(
        "onboarding/",
        include(
            (
                allowed_when_blacklisted_urls(
                    # A member's inbox holds their own copies of the account's news (SPEC
                    # §8.1): reading them, and marking them read, needs Notifications at view.
                    module_required_urls(
                        notification_urls.urlpatterns, Module.NOTIFICATIONS, write=Access.VIEW
                    ),
                    names={"notification-open", "notifications-read-all"},
                ),
                notification_urls.app_name,
            )
        ),
    ),
    path("onboarding/", include("onboarding.urls")),
    path("apps/", include("apps_services.urls")),
    # The Seller Center stand-in acts for the seller signed in there, not for the Partner
    # Center account that may share the browser: a partner's blacklist does not apply.
    path(
        "seller/",
        include((allowed_when_blacklisted_urls(seller_urls.urlpatterns), seller_urls.app_name)),
    ),
    # SPEC §4.7-4.9: the seller authorization link and the Open API at the paths TikTok Shop
    # publishes, and the Open API's pages under apps/ and seller/.
    path("", include("open_api.urls")),
    # The developer console: an app's test shops, API testing tool, call log, scopes…
    path("apps/", include("console.urls")),
    # The partner pages (referrals/…) and the public short link r/<token> (SPEC §5).
    path("", include("referrals.urls")),
    # SPEC §8.2: My Account › Team members, before the accounts pages' catch-alls.
    path("my-account/team/", include("teams.urls")),
    path("", include("accounts.urls")),
]
