"""The OpenAPI 3.1 description of the Open API endpoints and webhooks, served at
/open/openapi.json. Kept by hand next to the views it describes (api.py, signing.py)."""

from .models import DEFAULT_PER_SECOND
from .services import ErrorCode

# What the gateway's refusals mean, beyond their names.
GATEWAY_ERROR_NOTES = {
    ErrorCode.IP_NOT_ALLOWED: "the call came from an address outside the app's IP allow-list "
    "(the message names the address seen; HTTP 403)",
    ErrorCode.TOO_MANY_REQUESTS: "past the rate limit of this app, shop and endpoint "
    "(HTTP 429; wait the seconds in Retry-After)",
}


def _error_row(code: ErrorCode) -> str:
    meaning = code.name.lower().replace("_", " ")
    note = GATEWAY_ERROR_NOTES.get(code)
    return f"| {int(code)} | {meaning}: {note} |" if note else f"| {int(code)} | {meaning} |"


ERROR_TABLE = "\n".join(_error_row(code) for code in ErrorCode)

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


def _webhook(summary: str, type_value: int, data_properties: dict) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": [
                {
                    "name": "Authorization",
                    "in": "header",
                    "required": True,
                    "description": "Lowercase hex HMAC-SHA256 (key: app secret) over app key "
                    "+ raw body.",
                    "schema": {"type": "string"},
                }
            ],
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
    return {
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
        "webhooks": {
            "sellerDeauthorization": _webhook(
                "Seller deauthorization (type 6)", 6, {"message": {"type": "string"}}
            ),
            "upcomingAuthorizationExpiration": _webhook(
                "Upcoming authorization expiration (type 7), daily from 30 days before",
                7,
                {
                    "message": {"type": "string"},
                    "expiration_time": {"type": "integer", "description": "Unix seconds"},
                },
            ),
        },
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
