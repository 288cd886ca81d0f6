from django.shortcuts import render
from django.urls import resolve
from django.urls.exceptions import Resolver404

from categories.models import Center

from .decorators import is_allowed_when_blacklisted
from .models import AccountBlacklisted

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


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
                view = resolve(request.path_info).func
            except Resolver404:
                view = None
            # The few views a blacklisted account may still post to carry the decorator.
            if not is_allowed_when_blacklisted(view):
                message = AccountBlacklisted(user).args[0]
                return render(
                    request, "accounts/blacklisted.html", {"message": message}, status=403
                )
        return get_response(request)

    return middleware
