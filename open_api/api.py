"""The Open API (SPEC §4.8): token endpoints and the authorized shops endpoints, in the
public protocol TikTok Shop documents, so an integration written for it works here by
changing only the base URL.

Every answer is JSON with `code` (0 = success), `message`, `request_id` and, on success,
`data` — errors included: a refusal, a 404 and a 405 answer the same shape. These views are
machine-to-machine (credentials or a signature in every request), hence csrf_exempt. Nothing
here logs a query string: it carries the app secret, codes and tokens.
"""

import json
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from apps_services import credentials
from apps_services.credentials import Credentials
from partner_center import requestid, throttle
from partner_center.cache import count_and_get_many

from . import access, calllog, endpoints, policy, scopes, services, signing
from .access import Access
from .endpoints import Endpoint
from .models import DEFAULT_PER_SECOND
from .openapi import document
from .policy import Policy
from .services import ApiRefusal, ErrorCode

logger = logging.getLogger(__name__)

STATUS = {
    ErrorCode.INVALID_PARAMETER: 400,
    ErrorCode.UNKNOWN_APP_KEY: 401,
    ErrorCode.WRONG_APP_SECRET: 401,
    ErrorCode.WRONG_GRANT_TYPE: 400,
    ErrorCode.INVALID_AUTH_CODE: 400,
    ErrorCode.AUTH_CODE_EXPIRED: 400,
    ErrorCode.AUTH_CODE_USED: 400,
    ErrorCode.INVALID_REFRESH_TOKEN: 400,
    ErrorCode.REFRESH_TOKEN_EXPIRED: 400,
    ErrorCode.REFRESH_TOKEN_REVOKED: 400,
    ErrorCode.APP_DEACTIVATED: 403,
    ErrorCode.AUTHORIZATION_ENDED: 403,
    ErrorCode.INVALID_SIGN: 401,
    ErrorCode.INVALID_TIMESTAMP: 401,
    ErrorCode.INVALID_ACCESS_TOKEN: 401,
    ErrorCode.ACCESS_TOKEN_EXPIRED: 401,
    ErrorCode.ACCESS_TOKEN_REVOKED: 401,
    ErrorCode.SHOP_NOT_AUTHORIZED: 404,
    ErrorCode.IP_NOT_ALLOWED: 403,
    ErrorCode.SCOPE_NOT_GRANTED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.TOO_MANY_REQUESTS: 429,
    ErrorCode.INTERNAL_ERROR: 500,
}


def request_id() -> str:
    """The request's id (partner_center.requestid): the body's `request_id` is the one in the
    `X-Request-ID` response header and on every log line, so support finds the call in the
    logs. Outside a request (a direct call), a fresh one of the same shape."""
    return requestid.current() or uuid.uuid4().hex


def answer(data=None, *, code: int = ErrorCode.OK, message: str = "success", status: int = 200):
    body = {"code": int(code), "message": message, "request_id": request_id()}
    if data is not None:
        body["data"] = data
    response = HttpResponse(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        content_type="application/json",
        status=status,
    )
    # Tokens must not sit in a cache (what never_cache said, written once).
    response["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
    response["Expires"] = http_date()
    return response


def refusal(exc: ApiRefusal):
    return answer(code=exc.code, message=exc.message, status=STATUS[exc.code])


def refuse(note: "calllog.CallNote", exc: ApiRefusal):
    """The refusal's answer, its code noted for the call log."""
    note.code = int(exc.code)
    return refusal(exc)


def _too_many(usage: throttle.Usage):
    return refusal(
        ApiRefusal(
            ErrorCode.TOO_MANY_REQUESTS,
            f"Too many requests for this app, shop and endpoint (limit {usage.limit} per "
            f"second). Retry after {usage.retry_after} second(s).",
        )
    )


def rate_limit_headers(response, usage: throttle.Usage) -> None:
    """On every answer. Reset is the seconds until the window ends (as Retry-After counts),
    not a Unix time. When the cache could not count, Remaining is the whole limit."""
    response["X-RateLimit-Limit"] = str(usage.limit)
    response["X-RateLimit-Remaining"] = str(usage.remaining)
    response["X-RateLimit-Reset"] = str(usage.reset)
    if usage.over:
        response["Retry-After"] = str(usage.retry_after)


@dataclass
class Call:
    """What the cache held for this call, fetched in the round trip that counted it."""

    app_key: str
    generation: str  # the app's credentials generation (drawn now if the cache had none)
    access: Access | None  # the access token's cached entry, if one was sent
    policy: Policy  # the app's rate limits and IP allow-list under that generation


def count_call(request, endpoint: Endpoint | None) -> tuple[throttle.Usage, Call]:
    """Count the call per app, shop and endpoint and fetch what the cache holds for it, in
    one round trip to Redis; the limit is the app's policy for the endpoint (open_api/
    policy.py, held in the process under the generation that round trip fetched).

    Counted before the credentials are checked, so the limit also bounds guessing an app's
    secret. The key is the app_key the request names: an unknown one is refused next anyway.
    """
    app_key = request.GET.get("app_key", "")
    endpoint_key = endpoint.key if endpoint else None
    window = throttle.second(
        scope="open-api",
        key=f"{endpoint_key or '-'} {app_key} {request.GET.get('shop_cipher', '')}",
    )
    token = request.META.get("HTTP_X_TTS_ACCESS_TOKEN", "")
    keys = [credentials.generation_key(app_key)] + ([access.cache_key(token)] if token else [])
    count, found = count_and_get_many(cache, window.counter, window.expires_in, keys)
    generation = found.get(keys[0]) or credentials.current_generation(app_key)
    if endpoint is None:
        # The catch-all 404: the default rate, no allow-list to check, nothing to read.
        app_policy = Policy(generation=generation)
    else:
        app_policy = policy.lookup(app_key, generation=generation, cache_down=not count)
    call = Call(
        app_key=app_key,
        generation=generation,
        access=found.get(keys[1]) if token else None,
        policy=app_policy,
    )
    usage = window.usage(count, limit=app_policy.per_second(endpoint_key), scope="open-api")
    return usage, call


def ensure_ip_allowed(request, call: Call) -> None:
    """Refuse a call from outside the app's IP allow-list (none: from anywhere)."""
    if not call.policy.networks:
        return
    address = throttle.client_address(request)
    if not call.policy.allows(address):
        raise ApiRefusal(
            ErrorCode.IP_NOT_ALLOWED,
            f"Calls from {address} are not allowed for this app. Add the address your "
            "servers call from to the app's IP allow-list (App & Service › your app › IP "
            "allow-list).",
        )


def open_api(*methods: str, endpoint: Endpoint | None = None):
    """JSON for every outcome, a 405 in the protocol's shape, a 429 past the rate limit of
    the app, shop and endpoint, X-RateLimit-* headers on every answer (every request counts,
    refusals included), no CSRF (signed requests). The view is called with the request and
    the `Call`.
    `endpoint`: which one the view is (open_api/endpoints.py); None for the catch-all 404.
    Every outcome, refusals included, goes to the API call log (open_api/calllog.py)."""

    def decorator(view):
        def handle(request, note: calllog.CallNote, *args, **kwargs):
            try:
                usage, call = count_call(request, endpoint)
            except Exception:  # the database is away: still the protocol's answer
                logger.exception("Open API %s failed.", request.path)
                request.open_api_usage = throttle.Usage(
                    limit=DEFAULT_PER_SECOND, remaining=DEFAULT_PER_SECOND, reset=1, counted=False
                )
                return refuse(
                    note, ApiRefusal(ErrorCode.INTERNAL_ERROR, "Internal error. Try again later.")
                )
            request.open_api_usage = usage
            if request.method not in methods:
                response = refuse(
                    note,
                    ApiRefusal(
                        ErrorCode.METHOD_NOT_ALLOWED,
                        f"Use {' or '.join(methods)} for {request.path}.",
                    ),
                )
                response["Allow"] = ", ".join(methods)
                return response
            if usage.over:
                logger.info("Open API %s refused: rate limit.", request.path)
                note.code = int(ErrorCode.TOO_MANY_REQUESTS)
                return _too_many(usage)
            try:
                return view(request, call, *args, **kwargs)
            except ApiRefusal as exc:
                logger.info("Open API %s refused: code %s.", request.path, int(exc.code))
                return refuse(note, exc)
            except Exception:
                logger.exception("Open API %s failed.", request.path)
                return refuse(
                    note, ApiRefusal(ErrorCode.INTERNAL_ERROR, "Internal error. Try again later.")
                )

        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            note = calllog.CallNote(endpoint=endpoint, started=time.perf_counter())
            request.open_api_note = note
            response = handle(request, note, *args, **kwargs)
            usage = getattr(request, "open_api_usage", None)
            if usage is not None:
                rate_limit_headers(response, usage)
            calllog.record(request, note, response)
            return response

        wrapper.endpoint = endpoint  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _token_data(grant: services.TokenGrant) -> dict:
    authorization = grant.authorization
    return {
        "access_token": grant.access_token,
        "access_token_expire_in": int(grant.access_token_expires_at.timestamp()),
        "refresh_token": grant.refresh_token,
        "refresh_token_expire_in": int(grant.refresh_token_expires_at.timestamp()),
        "open_id": authorization.open_id,
        "seller_name": authorization.seller_name,
        "seller_base_region": authorization.seller_base_region,
        "user_type": 0,  # 0 = seller
        "granted_scopes": list(authorization.granted_scopes),
    }


def _require(params, *names: str) -> None:
    missing = [name for name in names if not params.get(name)]
    if missing:
        raise ApiRefusal(
            ErrorCode.INVALID_PARAMETER,
            f"Missing required query parameter(s): {', '.join(missing)}.",
        )


def _grant_type(params, expected: str) -> None:
    if params.get("grant_type") != expected:
        raise ApiRefusal(ErrorCode.WRONG_GRANT_TYPE, f"grant_type must be {expected}.")


@open_api("GET", endpoint=endpoints.TOKEN_GET)
def token_get(request, call: Call):
    """GET /api/v2/token/get: auth code → access token and refresh token."""
    params = request.GET
    _require(params, "app_key", "app_secret", "auth_code", "grant_type")
    app = services.authenticate_app(
        app_key=params["app_key"], app_secret=params["app_secret"], generation=call.generation
    )
    request.open_api_note.app_id = app.app_id
    ensure_ip_allowed(request, call)
    _grant_type(params, "authorized_code")
    grant = services.exchange_auth_code(app=app, auth_code=params["auth_code"])
    return answer(_token_data(grant))


@open_api("GET", endpoint=endpoints.TOKEN_REFRESH)
def token_refresh(request, call: Call):
    """GET /api/v2/token/refresh: refresh token → new access and refresh tokens."""
    params = request.GET
    _require(params, "app_key", "app_secret", "refresh_token", "grant_type")
    app = services.authenticate_app(
        app_key=params["app_key"], app_secret=params["app_secret"], generation=call.generation
    )
    request.open_api_note.app_id = app.app_id
    ensure_ip_allowed(request, call)
    _grant_type(params, "refresh_token")
    grant = services.refresh_access_token(app=app, refresh_token=params["refresh_token"])
    return answer(_token_data(grant))


def signed_app(request, call: Call) -> tuple[Credentials, str]:
    """The app that signed this request (app_key, timestamp, sign), or ApiRefusal; and the
    credentials generation its answer may be cached under."""
    params = request.GET.dict()
    _require(params, "app_key", "timestamp", "sign")
    generation = call.generation
    app = credentials.lookup(params["app_key"], generation=generation)
    if app is None:
        raise ApiRefusal(ErrorCode.UNKNOWN_APP_KEY, "Unknown app_key.")
    request.open_api_note.app_id = app.app_id
    if not signing.timestamp_fresh(params["timestamp"], now=time.time()):
        raise ApiRefusal(
            ErrorCode.INVALID_TIMESTAMP,
            "timestamp must be the current Unix time in seconds (at most 5 minutes old and "
            "30 seconds ahead). Check your server's clock.",
        )
    if not signing.signature_matches(
        secrets=app.valid_secrets(),
        sign=params["sign"],
        path=request.path,
        params=params,
        body=request.body,
        content_type=request.META.get("CONTENT_TYPE", ""),
    ):
        raise ApiRefusal(
            ErrorCode.INVALID_SIGN,
            "sign does not match. Sign app secret + path + sorted parameters (except sign and "
            "access_token) + body + app secret with HMAC-SHA256 keyed by the app secret.",
        )
    services.ensure_app_active(app)
    ensure_ip_allowed(request, call)
    return app, generation


def ensure_scope(
    app: Credentials, call: Call, endpoint: Endpoint, seller_scopes: Iterable[str]
) -> None:
    """105005, naming the scope, unless the app holds a scope covering `endpoint` and the
    seller granted it: once warm, no query and no cache round trip (open_api/scopes.py).

    Filed under the generation of the policy this call runs under: with Redis away, that
    policy (and so what the app holds) is reused for a few seconds, as its limits are,
    rather than read again on every call."""
    reach = scopes.reach(app_id=app.app_id, app_key=app.app_key, generation=call.policy.generation)
    scopes.ensure_scope(reach, endpoint=endpoint.key, seller_scopes=frozenset(seller_scopes))


@open_api("GET", endpoint=endpoints.AUTHORIZED_SHOPS)
def authorized_shops(request, call: Call):
    """GET /authorization/202309/shops: the shops of this seller that authorized the app."""
    app, generation = signed_app(request, call)
    found = services.authenticate_access_token(
        app=app,
        access_token=request.META.get("HTTP_X_TTS_ACCESS_TOKEN", ""),
        generation=generation,
        cached=call.access,
    )
    ensure_scope(app, call, endpoints.AUTHORIZED_SHOPS, found.granted_scopes)
    shops = found.shops_now(time.time())
    request.open_api_note.note_shops(shops)
    return answer({"shops": shops})


@open_api("DELETE", endpoint=endpoints.DEAUTHORIZE_SHOP)
def deauthorize_shop(request, call: Call):
    """DELETE /authorization/202403/shops?shop_cipher=…: end a shop's authorization. No
    access token: the scope is the one that shop's authorization granted."""
    app, _generation = signed_app(request, call)
    _require(request.GET, "shop_cipher")
    shop_cipher = request.GET["shop_cipher"]
    authorization = services.shop_authorization(app=app, shop_cipher=shop_cipher)
    ensure_scope(app, call, endpoints.DEAUTHORIZE_SHOP, authorization.granted_scopes)
    services.deauthorize_shop(app=app, shop_cipher=shop_cipher, authorization=authorization)
    return answer({})


@open_api("GET", "POST", "PUT", "PATCH", "DELETE")
def not_found(request, call: Call, *args, **kwargs):
    raise ApiRefusal(ErrorCode.NOT_FOUND, f"No Open API endpoint at {request.path}.")


@never_cache
def openapi_document(request):
    """The OpenAPI 3 description of these endpoints, for tools and for reading."""
    return JsonResponse(document(request.build_absolute_uri("/").rstrip("/")))
