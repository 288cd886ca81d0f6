from django.shortcuts import render
from django.urls import resolve
from django.urls.exceptions import Resolver404

from .models import AccountBlacklisted, Center

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Seller Center stand-in pages act for the seller signed in there, not for the Partner
# Center account that may share the browser, so a partner's blacklist does not apply.
SELLER_SIDE_NAMESPACES = {"sellers"}
SELLER_SIDE_VIEWS = {
    # The stand-in's pages that other apps own (all under seller/, but for the consent page).
    "open_api:authorize",
    "open_api:app-logo",
    "open_api:authorization-list",
    "open_api:authorization-revoke",
    "referrals:seller-start",
    "referrals:seller-signup",
    "referrals:seller-welcome",
}
# POSTs a blacklisted account may still make: they change how it reads, not what it owns.
WRITES_ALLOWED_WHEN_BLACKLISTED = {
    "account_logout",
    "set_language",
    "onboarding:switch-role",
    "onboarding:notification-open",
    "onboarding:notifications-read-all",
}


def center_middleware(get_response):
    """Attach the Partner Center (US or Global) that this request's host belongs to."""

    def middleware(request):
        request.center = Center.for_host(request.get_host())
        return get_response(request)

    return middleware


def blacklist_middleware(get_response):
    """SPEC §3.14: the one place every write from a blacklisted account passes and is refused.

    Services also call User.ensure_can_write(), so the shell and background work obey it.
    """

    def middleware(request):
        user = getattr(request, "user", None)
        if (
            request.method not in SAFE_METHODS
            and user is not None
            and user.is_authenticated
            and user.is_blacklisted
            and not user.is_staff
        ):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            name = match.view_name if match else None
            seller_side = match is not None and (
                match.namespace in SELLER_SIDE_NAMESPACES or name in SELLER_SIDE_VIEWS
            )
            if not seller_side and name not in WRITES_ALLOWED_WHEN_BLACKLISTED:
                message = AccountBlacklisted(user).args[0]
                return render(
                    request, "accounts/blacklisted.html", {"message": message}, status=403
                )
        return get_response(request)

    return middleware
