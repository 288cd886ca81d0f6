"""Absolute links for emails: every email points at PORTAL_BASE_URL when it is set.

Emails are built by workers (no request) and by requests that may come in through an internal
host name (a health check, a proxy that rewrites Host). One configured address keeps every
link in every email on the portal's public address. Unset, a request's own host is used, and
without a request the address `runserver` serves (`check --deploy` warns about that).
"""

from urllib.parse import urlsplit

from django.conf import settings

# What `manage.py runserver` serves: the embedded default's address.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"


def portal_url(path: str, *, request=None) -> str:
    """The absolute URL of a path on the portal (path starts with "/")."""
    if settings.PORTAL_BASE_URL:
        return settings.PORTAL_BASE_URL + path
    if request is not None:
        return request.build_absolute_uri(path)
    return DEVELOPMENT_BASE_URL + path


def rebase(url: str) -> str:
    """An absolute URL built from a request, moved onto PORTAL_BASE_URL when it is set."""
    if not settings.PORTAL_BASE_URL or not url:
        return url
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return settings.PORTAL_BASE_URL + path + (f"#{parts.fragment}" if parts.fragment else "")
