"""Site-wide error pages, in the portal's look rather than Django's (never its debug page)."""

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: a form that could not be accepted, with a way back to a fresh copy.

    The reason is not shown: it is for developers, and CsrfViewMiddleware already logs it
    (logger django.security.csrf). Reloading the page the form was posted to serves it again
    with a new token, which is what a user with a stale tab or an expired session needs.
    """
    retry_url = request.get_full_path()
    if not url_has_allowed_host_and_scheme(retry_url, allowed_hosts={request.get_host()}):
        retry_url = "/"
    return render(request, "403_csrf.html", {"retry_url": retry_url}, status=403)
