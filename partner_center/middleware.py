"""Request input no part of the portal should ever see.

Control characters (C0 except tab, line feed and carriage return, and DEL) have no place in
an address, a query parameter, a form field, a file name or a JSON value. PostgreSQL cannot
even store a NUL byte in text, so before this one check a NUL reaching a lookup was a server
error. Refusing them here, before sessions, views and forms, covers every entry point —
the allauth pages, the admin, the Seller Center stand-in and the Open API — at once.
Uploaded file contents are binary and are not looked at (Django already drops
non-printable characters from uploaded file names).
"""

import json
import logging
import re

from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Paths that answer in the Open API's JSON shape (see open_api/api.py), never HTML.
API_PREFIXES = ("/api/", "/authorization/", "/open/openapi.json")
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Headers are text too (an access token travels in one); cookies are handled apart.
SKIPPED_HEADERS = {"HTTP_COOKIE"}


def has_control_character(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value))


def _first_bad_item(items) -> str | None:
    """The name of the first (name, value) pair whose name or value is refused."""
    for name, value in items:
        if has_control_character(name) or (isinstance(value, str) and has_control_character(value)):
            return name
    return None


def _strings_of(data, name: str = ""):
    """(name, string) for every key and string value of a decoded JSON document."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield key, key
            yield from _strings_of(value, key)
    elif isinstance(data, list):
        for value in data:
            yield from _strings_of(value, name)
    elif isinstance(data, str):
        yield name, data


def refused_part(request) -> str | None:
    """Where the request carries a control character ("" for the address itself), or None."""
    if has_control_character(request.path_info):
        return ""
    # Nearly every request is clean: one search over the raw query string and the headers
    # (decoding cannot add a control character the raw text lacks, except by escaping it),
    # and the per-item search only when there may be something to name.
    # Parsed here, before any view reads it (a query Django refuses to parse is a 400 now);
    # the parse is kept on the request for the view.
    parsed = request.GET
    raw = [request.META.get("QUERY_STRING", "")]
    raw.extend(
        value
        for name, value in request.META.items()
        if name.startswith("HTTP_") and name not in SKIPPED_HEADERS and isinstance(value, str)
    )
    if "%" in raw[0] or has_control_character("".join(raw)):
        query = ((name, value) for name, values in parsed.lists() for value in values)
        headers = (
            (f"header {name[5:].replace('_', '-').title()}", value)
            for name, value in request.META.items()
            if name.startswith("HTTP_") and name not in SKIPPED_HEADERS
        )
        for items in (query, headers):
            if (name := _first_bad_item(items)) is not None:
                return name
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in FORM_CONTENT_TYPES:
        fields = ((name, value) for name, values in request.POST.lists() for value in values)
        if (name := _first_bad_item(fields)) is not None:
            return name
    elif content_type == "application/json" and request.body:
        try:
            document = json.loads(request.body)
        except ValueError:
            return None  # not JSON: the view refuses it in its own words
        return _first_bad_item(_strings_of(document))
    return None


def _drop_bad_cookies(request) -> None:
    # A cookie is not something the visitor typed: ignore a damaged one (the visitor is
    # then simply signed out) rather than refuse every page until it expires.
    for name, value in list(request.COOKIES.items()):
        if has_control_character(name) or has_control_character(value):
            del request.COOKIES[name]


def _shown(name: str) -> str:
    return CONTROL_CHARACTERS.sub("?", name)[:60]


def _refusal(request, part: str):
    from open_api.api import answer
    from open_api.services import ErrorCode

    if request.path_info.startswith(API_PREFIXES):
        where = f"parameter {_shown(part)}" if part else "the request path"
        return answer(
            code=ErrorCode.INVALID_PARAMETER,
            message=f"Control characters (such as a NUL byte) are not allowed in {where}.",
            status=400,
        )
    with translation.override(translation.get_language_from_request(request)):
        if part:
            message = _(
                "The field “%(field)s” contains a control character (such as a NUL byte). "
                "Remove it and try again."
            ) % {"field": _shown(part)}
        else:
            message = _(
                "The address contains a control character (such as a NUL byte). Check the "
                "link and try again."
            )
        return render(request, "400.html", {"message": message}, status=400)


def bad_input_middleware(get_response):
    """Refuse a request carrying control characters with a 400 before anything reads it."""

    def middleware(request):
        _drop_bad_cookies(request)
        part = refused_part(request)
        if part is not None:
            logger.info("Refused a request to %r: control character in %r.", request.path, part)
            return _refusal(request, part)
        return get_response(request)

    return middleware
