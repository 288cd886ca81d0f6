"""Which views a blacklisted account may still post to (SPEC §3.14).

A blacklisted account reads everything and writes nothing; `blacklist_middleware` refuses
every POST unless the view it resolves to carries this decorator. Put it only on views that
change how the account reads (log out, language, active role, notifications read) or that
act for someone else (the Seller Center stand-in, the seller's consent page).
"""

from functools import wraps

from django.urls import URLPattern


def allowed_when_blacklisted(view):
    """Mark `view` as open to a blacklisted account's writes (read by the middleware)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    wrapped.allowed_when_blacklisted = True
    return wrapped


def is_allowed_when_blacklisted(view) -> bool:
    return getattr(view, "allowed_when_blacklisted", False)


def allowed_when_blacklisted_urls(
    patterns: list, *, names: set[str] | None = None
) -> list[URLPattern]:
    """The same URL patterns, the views named in `names` (every one by default) marked: for
    an included app that imports nothing of ours (the Seller Center stand-in, whose pages
    all act for someone else; the notifications inbox)."""
    return [
        URLPattern(p.pattern, allowed_when_blacklisted(p.callback), p.default_args, p.name)
        if names is None or p.name in names
        else p
        for p in patterns
    ]
