"""SPEC §8.4: who must use two-factor sign-in, enforced on every request in one place.

- Staff open the admin (/admin/) only with an authenticator app when REQUIRE_STAFF_MFA is
  on, and sign in to it through the portal's login, whose code stage then applies: the
  admin's own login page sends them there.
- A team member whose account requires two-factor sign-in (TeamSettings.require_mfa) uses
  nothing but the pages to set it up (and logging out) until they have.

Either way the way out is My Account › Security. A main account, and staff outside the admin,
cost no query here; a member's answer is kept in the session for RECHECK_SECONDS, so the
rule (or an app removed) applies within that time without a query on every page.
"""

import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _

from .models import TeamSettings

RECHECK_SECONDS = 60
# When this session last found the member allowed (their team has no rule, or they have an
# authenticator app): a timestamp.
SESSION_KEY = "teams_mfa_checked_at"


def has_authenticator_app(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def _open_paths() -> tuple[str, ...]:
    """Where a member held by the team's rule may still go: the pages to set it up or to leave,
    and what is not the partner portal (static files, probes, the Seller Center stand-in and
    the seller's consent page, the Open API, public referral links)."""
    return (
        reverse("accounts:security"),
        reverse("mfa_index"),  # allauth's two-factor pages (/account/2fa/…)
        reverse("account_reauthenticate"),  # asked for before an app is activated
        reverse("account_logout"),
        reverse("set_language"),
        reverse("health"),
        *(
            get_script_prefix() + prefix
            for prefix in (
                settings.STATIC_URL.lstrip("/"),
                "seller/",
                "open/",
                "api/",
                "authorization/",
                "r/",
            )
        ),
    )


def _admin_response(request):
    """None when the staff rule lets this /admin/ request through."""
    path = request.path
    if path == reverse("admin:logout"):
        return None
    if path == reverse("admin:login"):
        # Django's admin login knows no second factor: the portal's login has the code stage
        # and the same failed-login limits (AccountAdapter.pre_authenticate).
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        return None
    if not has_authenticator_app(user):
        messages.warning(
            request,
            _(
                "The review admin needs two-factor sign-in. Activate an authenticator app "
                "below, then open the admin again."
            ),
        )
        return redirect("accounts:security")
    if not _session_passed_a_code(request):
        # Having an app is not enough: this session must have entered one of its codes (a
        # session opened before the app was set up, or by any way that skipped the code
        # stage, is asked for one now).
        return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.path})}")
    return None


def _session_passed_a_code(request) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def _member_must_set_up(request) -> bool:
    user = request.user
    checked_at = request.session.get(SESSION_KEY)
    if checked_at is not None and time.time() - checked_at < RECHECK_SECONDS:
        return False
    required = TeamSettings.objects.filter(account_id=user.account_id, require_mfa=True).exists()
    if required and not has_authenticator_app(user):
        request.session.pop(SESSION_KEY, None)
        return True
    request.session[SESSION_KEY] = time.time()
    return False


def two_factor_middleware(get_response):
    def middleware(request):
        path = request.path
        if path.startswith(reverse("admin:index")):
            if settings.REQUIRE_STAFF_MFA:
                response = _admin_response(request)
                if response is not None:
                    return response
        elif (
            not path.startswith(_open_paths())
            and request.user.is_authenticated
            and request.user.account_id is not None
            and _member_must_set_up(request)
        ):
            messages.warning(
                request,
                _(
                    "Your team requires two-factor sign-in. Activate an authenticator app to "
                    "continue."
                ),
            )
            return redirect("accounts:security")
        return get_response(request)

    return middleware
