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

    The rule itself is User.ensure_can_write(), which services call too, so the shell and
    background work obey it; here it guards every POST except to the views marked
    @allowed_when_blacklisted. Staff reach the admin, whose actions check their own rights.
    """

    def middleware(request):
        user = getattr(request, "user", None)
        if (
            request.method not in SAFE_METHODS
            and user is not None
            and user.is_authenticated
            and not user.is_staff
        ):
            try:
                user.ensure_can_write()
            except AccountBlacklisted as refused:
                try:
                    view = resolve(request.path_info).func
                except Resolver404:
                    view = None
                if not is_allowed_when_blacklisted(view):
                    return render(
                        request,
                        "accounts/blacklisted.html",
                        {"message": refused.args[0]},
                        status=403,
                    )
        return get_response(request)

    return middleware
