"""System checks for what onboarding's emails need in production (`check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_portal_base_url(app_configs, **kwargs):
    """Notification emails are sent by workers, which have no request to take a host from:
    without PORTAL_BASE_URL their links would point at the development address."""
    base_url = settings.PORTAL_BASE_URL
    if settings.DEBUG:
        return []
    if not base_url:
        return [
            Warning(
                "PORTAL_BASE_URL is not set: links in notification emails point at "
                "http://127.0.0.1:8000, and allauth's at whatever host a request came in on.",
                hint="Set PORTAL_BASE_URL to the portal's public address, e.g. "
                "https://partner.example.com (scheme and host, no trailing slash).",
                id="onboarding.W001",
            )
        ]
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [
            Warning(
                f"PORTAL_BASE_URL {base_url!r} is not an absolute http(s) address.",
                hint="Use the scheme and host only, e.g. https://partner.example.com.",
                id="onboarding.W002",
            )
        ]
    return []
