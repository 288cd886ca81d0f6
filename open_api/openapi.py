"""The OpenAPI 3.1 description of the Open API endpoints and webhooks, served at
/open/openapi.json. Kept by hand next to the views it describes (api.py, signing.py)."""

from .models import DEFAULT_PER_SECOND, Scope
from .services import ErrorCode

# What each code means and what to do about it: the error table of the description.
ERROR_MEANINGS = {
    ErrorCode.OK: "success",
    ErrorCode.INVALID_PARAMETER: "a required parameter is missing or malformed (the message "
    "names it; HTTP 400)",
    ErrorCode.UNKNOWN_APP_KEY: "no app has this app_key (HTTP 401)",
    ErrorCode.WRONG_APP_SECRET: "app_secret does not match the app_key; after a rotation the "
    "previous secret works only during its grace period (HTTP 401)",
    ErrorCode.WRONG_GRANT_TYPE: "grant_type must be authorized_code (token/get) or "
    "refresh_token (token/refresh) (HTTP 400)",
    ErrorCode.INVALID_AUTH_CODE: "the auth code is not one this app received (HTTP 400)",
    ErrorCode.AUTH_CODE_EXPIRED: "the auth code is older than 30 minutes: have the seller "
    "authorize again (HTTP 400)",
    ErrorCode.AUTH_CODE_USED: "the auth code was exchanged already; the tokens issued from it "
    "are revoked (HTTP 400)",
    ErrorCode.INVALID_REFRESH_TOKEN: "the refresh token is not one this app holds (HTTP 400)",
    ErrorCode.REFRESH_TOKEN_EXPIRED: "the refresh token expired: have the seller authorize "
    "again (HTTP 400)",
    ErrorCode.REFRESH_TOKEN_REVOKED: "the refresh token was rotated or revoked: use the "
    "newest one (HTTP 400)",
    ErrorCode.APP_DEACTIVATED: "the app is deactivated and cannot call the API (HTTP 403)",
    ErrorCode.AUTHORIZATION_ENDED: "the seller's authorization ended or expired: have the "
    "seller authorize again (HTTP 403)",
    ErrorCode.INVALID_SIGN: "sign does not match; the signature debugger on the app's page "
    "shows where yours departs (HTTP 401)",
    ErrorCode.INVALID_TIMESTAMP: "timestamp is not the current Unix time in seconds (at most "
    "5 minutes old, 30 seconds ahead) (HTTP 401)",
    ErrorCode.INVALID_ACCESS_TOKEN: "the x-tts-access-token header holds no token of this app "
    "(HTTP 401)",
    ErrorCode.ACCESS_TOKEN_EXPIRED: "the access token expired: refresh it (HTTP 401)",
    ErrorCode.ACCESS_TOKEN_REVOKED: "the access token was revoked (HTTP 401)",
    ErrorCode.SHOP_NOT_AUTHORIZED: "the shop_cipher names no shop that authorized this app "
    "(HTTP 404)",
    ErrorCode.IP_NOT_ALLOWED: "the call came from an address outside the app's IP allow-list "
    "(the message names the address seen; HTTP 403)",
    ErrorCode.SCOPE_NOT_GRANTED: "scope not granted: the app does not hold the scope the "
    "endpoint needs, or the seller did not grant it (the message names the scope; HTTP 403)",
    ErrorCode.NOT_FOUND: "no Open API endpoint at this path (HTTP 404)",
    ErrorCode.METHOD_NOT_ALLOWED: "the endpoint does not take this HTTP method; the Allow "
    "header lists those it takes (HTTP 405)",
    ErrorCode.TOO_MANY_REQUESTS: "past the rate limit of this app, shop and endpoint "
    "(HTTP 429; wait the seconds in Retry-After)",
    ErrorCode.INTERNAL_ERROR: "the portal failed; try again later, quoting the request_id "
    "(HTTP 500)",
}
ERROR_TABLE = "\n".join(f"| {int(code)} | {ERROR_MEANINGS[code]} |" for code in ErrorCode)

DESCRIPTION = f"""
Seller authorization and the Open API of Partner Center, in the protocol TikTok Shop
publishes: an integration written for TikTok Shop works here by changing only the base URL.

**Flow.** Send the seller to `/open/authorize?service_id=<service id>&state=<opaque>`. After
consent, the seller's browser arrives at your Redirect URL with `?code=<auth code>&state=…`
(or `?code=null&error=auth_denied&state=…` when they deny). Exchange the code within 30
minutes at `/api/v2/token/get`; it is single use, and presenting it again revokes the tokens
issued from it. Access tokens last 7 days; refresh with `/api/v2/token/refresh` (the refresh
token rotates).

**Every answer** is JSON: `code` (integer, 0 = success), `message`, `request_id`, and `data`
on success. Errors answer a non-zero `code` and a 4xx status. `request_id` is also sent in the
`X-Request-ID` response header; send your own `X-Request-ID` (up to 64 letters, digits, `.`,
`_` or `-`) and it is used instead, so a call can be found in both sides' logs:

| code | meaning |
| --- | --- |
{ERROR_TABLE}

**Rate limit.** Each app may send {DEFAULT_PER_SECOND} requests per second to each endpoint
(per shop where a request names a `shop_cipher`), as TikTok Shop's default; an operator may
set another rate for an endpoint or for one app. Every request counts, refusals included, and
every answer carries `X-RateLimit-Limit` (requests allowed per one-second window),
`X-RateLimit-Remaining` (left in the current window) and `X-RateLimit-Reset` (seconds until
the window resets — a delay, not a Unix time). Past the limit the answer is HTTP 429 with
code {int(ErrorCode.TOO_MANY_REQUESTS)} and a `Retry-After` header: the seconds to wait
before trying again. Should the gateway's counter be unreachable, calls are not limited and
`X-RateLimit-Remaining` shows the whole limit.

**IP allow-list.** An app may list the addresses and CIDR ranges (IPv4, IPv6) its calls come
from (App & Service › your app › IP allow-list). A call from any other address is refused with
HTTP 403 and code {int(ErrorCode.IP_NOT_ALLOWED)}, naming the address seen. An empty list
accepts calls from anywhere.

**Signed requests** (`/authorization/...`) carry `app_key`, `timestamp` (Unix seconds,
at most 5 minutes old and 30 seconds ahead) and `sign` =
lowercase hex HMAC-SHA256, keyed with the app secret, over
`app_secret + path + (each query parameter except sign and access_token, sorted by key, as
key followed by value) + raw body (unless multipart/form-data) + app_secret`.

**Webhooks** are POSTed to the app's Webhook URL with a JSON body and the header
`Authorization` = lowercase hex HMAC-SHA256, keyed with the app secret, over app key + raw
body. Answer HTTP 200 within 3 seconds; otherwise the delivery is retried after 2 minutes,
30 minutes, 3 hours and 12 hours, then given up (redeliver it from the webhook log).
An app receives only the topics it subscribes to (App & Service › the app › Webhook log ›
Webhook topics; a new app takes every topic).

**De-duplicating webhooks.** Every POST carries `X-Event-ID`, the event's stable id (the
body's `tts_notification_id`: the same on every retry and every redelivery), and
`X-Delivery-Attempt`, its attempt number (1, 2, …; a redelivery continues the count). A
timeout or a lost answer means the same event can arrive twice: store the event id when you
process an event, and answer 200 without processing again when the id is already stored.
Neither header is signed; the body they describe is, unchanged.
"""


def _envelope(data_schema: dict | None) -> dict:
    properties = {
        "code": {"type": "integer", "description": "0 = success", "example": 0},
        "message": {"type": "string", "example": "success"},
        "request_id": {"type": "string", "example": "4f9c2a7d1e0b4c36a5d8e2f1b7c9a0d3"},
    }
    if data_schema is not None:
        properties["data"] = data_schema
    return {
        "type": "object",
        "required": ["code", "message", "request_id"],
        "properties": properties,
    }


def _query(name: str, description: str, *, required: bool = True, example=None) -> dict:
    parameter = {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }
    if example is not None:
        parameter["example"] = example
    return parameter


SIGNED_PARAMETERS = [
    _query("app_key", "Your app key."),
    _query("timestamp", "Current Unix time in seconds.", example="1767268800"),
    _query("sign", "The request signature (see the description)."),
]

ERROR_RESPONSE = {
    "description": "Refused: a non-zero code and a message saying what to do.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


RATE_LIMITED_RESPONSE = {
    "description": f"Too many requests for this app: code {int(ErrorCode.TOO_MANY_REQUESTS)}. "
    "Wait the seconds in Retry-After.",
    "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _json(schema_ref: str, description: str = "Success") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": schema_ref}}},
    }


# --- Webhook topics: each topic's body and the headers of every delivery ----------------


def _webhook_headers() -> list[dict]:
    return [
        {
            "name": "Authorization",
            "in": "header",
            "required": True,
            "description": "Lowercase hex HMAC-SHA256 (key: app secret) over app key + raw body.",
            "schema": {"type": "string"},
        },
        {
            "name": "X-Event-ID",
            "in": "header",
            "required": True,
            "description": "The event's stable id, equal to the body's tts_notification_id: "
            "the same on every attempt and every redelivery. Store it; a repeat is an event "
            "you already processed.",
            "schema": {"type": "string"},
        },
        {
            "name": "X-Delivery-Attempt",
            "in": "header",
            "required": True,
            "description": "The attempt number of this POST of the event: 1, then 2, 3, … "
            "(a redelivery continues the count). Above 1, you may have seen the event.",
            "schema": {"type": "integer", "minimum": 1},
        },
    ]


def _webhook(summary: str, type_value: int, data_properties: dict, description: str = "") -> dict:
    return {
        "post": {
            "summary": summary,
            "description": description,
            "parameters": _webhook_headers(),
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["type", "tts_notification_id", "shop_id", "timestamp"],
                            "properties": {
                                "type": {"type": "integer", "const": type_value},
                                "tts_notification_id": {"type": "string"},
                                "shop_id": {"type": "string"},
                                "timestamp": {"type": "integer", "description": "Unix seconds"},
                                "data": {"type": "object", "properties": data_properties},
                            },
                        }
                    }
                }
            },
            "responses": {"200": {"description": "Received (within 3 seconds)."}},
        }
    }


def webhook_topics() -> dict:
    """The `webhooks` section: one entry per topic an app can subscribe to."""
    expiration = {"type": "integer", "description": "When the authorization ends, Unix seconds"}
    return {
        "sellerDeauthorization": _webhook(
            "Seller deauthorization (type 6)",
            6,
            {"message": {"type": "string"}},
            "A shop's authorization ended: the seller revoked it, the developer deauthorized "
            "the shop, or the app was deactivated. The shop's tokens no longer work.",
        ),
        "upcomingAuthorizationExpiration": _webhook(
            "Upcoming authorization expiration (type 7), daily from 30 days before",
            7,
            {"message": {"type": "string"}, "expiration_time": expiration},
            "A shop's authorization ends within 30 days; sent once a day until the seller "
            "authorizes the app again or the authorization expires.",
        ),
        "authorizationGranted": _webhook(
            "Authorization granted (type 101, Partner Center's own topic)",
            101,
            {
                "message": {"type": "string"},
                "open_id": {"type": "string", "description": "The seller's id for this app"},
                "shop_name": {"type": "string"},
                "shop_region": {"type": "string", "example": "US"},
                "expiration_time": expiration,
            },
            "A seller authorized the app for a shop, or renewed the authorization: once per "
            "consent. No token or code travels here; exchange the auth code your Redirect "
            "URL received.",
        ),
    }


RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {
        "description": "Requests allowed per one-second window for this app, shop and endpoint.",
        "schema": {"type": "integer", "minimum": 1},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in the current window (the whole limit when the gateway "
        "could not count).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Reset": {
        "description": "Seconds until the current window resets (a delay, not a Unix time).",
        "schema": {"type": "integer", "minimum": 1},
    },
}


def _with_rate_limit_headers(spec: dict) -> dict:
    """Every answer of every path carries the X-RateLimit-* headers; the 429 Retry-After."""
    spec["components"]["headers"] = {
        **RATE_LIMIT_HEADERS,
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer", "minimum": 1},
        },
    }
    refs = {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}
    for path in spec["paths"].values():
        for operation in path.values():
            operation["responses"] = {
                code: {**response, "headers": {**refs, **response.get("headers", {})}}
                for code, response in operation["responses"].items()
            }
    return spec


def document(base_url: str) -> dict:
    return _with_rate_limit_headers(_document(base_url))


def _document(base_url: str) -> dict:
    token_parameters = [
        _query("app_key", "Your app key."),
        _query("app_secret", "Your app secret."),
    ]
    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "Partner Center Open API",
            "version": "2026-01",
            "description": DESCRIPTION,
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/api/v2/token/get": {
                "get": {
                    "summary": "Exchange an auth code for an access token and a refresh token",
                    "operationId": "getToken",
                    "parameters": [
                        *token_parameters,
                        _query("auth_code", "The code your Redirect URL received."),
                        _query("grant_type", "Always authorized_code.", example="authorized_code"),
                    ],
                    "responses": {
                        "200": _json("#/components/schemas/TokenResponse"),
                        "429": RATE_LIMITED_RESPONSE,
                        "4XX": ERROR_RESPONSE,
                    },
                }
            },
            "/api/v2/token/refresh": {
                "get": {
                    "summary": "Refresh an access token (the refresh token rotates)",
                    "operationId": "refreshToken",
                    "parameters": [
                        *token_parameters,
                        _query("refresh_token", "The newest refresh token you hold."),
                        _query("grant_type", "Always refresh_token.", example="refresh_token"),
                    ],
                    "responses": {
                        "200": _json("#/components/schemas/TokenResponse"),
                        "429": RATE_LIMITED_RESPONSE,
                        "4XX": ERROR_RESPONSE,
                    },
                }
            },
            "/authorization/202309/shops": {
                "get": {
                    "summary": "Get the shops of the seller that authorized the app",
                    "operationId": "getAuthorizedShops",
                    "security": [{"accessToken": []}],
                    "parameters": SIGNED_PARAMETERS,
                    "responses": {
                        "200": _json("#/components/schemas/ShopsResponse"),
                        "429": RATE_LIMITED_RESPONSE,
                        "4XX": ERROR_RESPONSE,
                    },
                }
            },
            "/authorization/202403/shops": {
                "delete": {
                    "summary": "End a shop's authorization of the app (developer side)",
                    "operationId": "deauthorizeShop",
                    "description": "Signed like every /authorization request; the access "
                    "token header is not needed. The developer receives a type 6 webhook.",
                    "parameters": [
                        *SIGNED_PARAMETERS,
                        _query("shop_cipher", "The shop's cipher from the shops endpoint."),
                    ],
                    "responses": {
                        "200": _json("#/components/schemas/EmptyResponse"),
                        "429": RATE_LIMITED_RESPONSE,
                        "4XX": ERROR_RESPONSE,
                    },
                }
            },
        },
        "webhooks": webhook_topics(),
        "components": {
            "securitySchemes": {
                "accessToken": {"type": "apiKey", "in": "header", "name": "x-tts-access-token"}
            },
            "schemas": {
                "Error": _envelope(None),
                "EmptyResponse": _envelope({"type": "object"}),
                "TokenResponse": _envelope(
                    {
                        "type": "object",
                        "properties": {
                            "access_token": {"type": "string"},
                            "access_token_expire_in": {
                                "type": "integer",
                                "description": "Absolute expiry, Unix seconds (7 days)",
                            },
                            "refresh_token": {"type": "string"},
                            "refresh_token_expire_in": {
                                "type": "integer",
                                "description": "Absolute expiry, Unix seconds",
                            },
                            "open_id": {"type": "string"},
                            "seller_name": {"type": "string"},
                            "seller_base_region": {"type": "string", "example": "US"},
                            "user_type": {"type": "integer", "description": "0 = seller"},
                            "granted_scopes": {"type": "array", "items": {"type": "string"}},
                        },
                    }
                ),
                "ShopsResponse": _envelope(
                    {
                        "type": "object",
                        "properties": {
                            "shops": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Shop"},
                            }
                        },
                    }
                ),
                "Shop": {
                    "type": "object",
                    "properties": {
                        "cipher": {"type": "string"},
                        "code": {"type": "string"},
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "region": {"type": "string"},
                        "seller_type": {"type": "string", "enum": ["LOCAL", "CROSS_BORDER"]},
                    },
                },
            },
        },
    }
    return with_scopes(spec)


# --- Scopes: which scope each operation needs, from the catalog (open_api.models.Scope) ---


def scopes_section(catalog: list) -> str:
    lines = [
        "",
        "**Scopes.** An app chooses its scopes in Partner Center (App & Service › the app › "
        "Scopes); a restricted scope counts once the reviewers approve the app's request. "
        "The consent page asks the seller for the app's scopes, and the token answer's "
        "`granted_scopes` lists what the seller granted. A call to an endpoint whose scope "
        "the app does not hold, or the seller did not grant, answers HTTP 403 with code "
        f"{int(ErrorCode.SCOPE_NOT_GRANTED)} and a message naming the scope: add the scope, "
        "then send the seller the authorization link again.",
        "",
        "| scope | name | restricted | endpoints |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{scope.key}` | {scope.name} | {'yes' if scope.restricted else 'no'} | "
        f"{', '.join(scope.endpoints) or '—'} |"
        for scope in catalog
    ]
    return "\n".join(lines) + "\n"


def with_scopes(spec: dict) -> dict:
    """Each operation names the scopes it needs (`x-scopes`, and a sentence); the
    description gains the catalog's table."""
    catalog = list(Scope.objects.order_by("position", "key"))
    covering: dict[str, list[str]] = {}
    for scope in catalog:
        for endpoint in scope.endpoints or ():
            covering.setdefault(endpoint, []).append(scope.key)
    for methods in spec["paths"].values():
        for operation in methods.values():
            keys = covering.get(operation.get("operationId", ""), [])
            if not keys:
                continue
            operation["x-scopes"] = keys
            sentence = (
                f"Needs scope {' or '.join(f'`{key}`' for key in keys)}, held by the app and "
                f"granted by the seller; otherwise code {int(ErrorCode.SCOPE_NOT_GRANTED)}."
            )
            operation["description"] = " ".join(
                part for part in (operation.get("description", ""), sentence) if part
            )
    spec["info"]["description"] += scopes_section(catalog)
    return spec
