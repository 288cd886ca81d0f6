"""The OpenAPI 3.1 description of the Open API endpoints and webhooks, served at
/open/openapi.json. Kept by hand next to the views it describes (api.py, signing.py)."""

from .models import Scope
from .services import ErrorCode

# Codes whose name alone does not say what to do.
ERROR_MEANINGS = {
    ErrorCode.SCOPE_NOT_GRANTED: "scope not granted: the app does not hold the scope the "
    "endpoint needs, or the seller did not grant it (the message names the scope; HTTP 403)",
}
ERROR_TABLE = "\n".join(
    f"| {int(code)} | {ERROR_MEANINGS.get(code, code.name.lower().replace('_', ' '))} |"
    for code in ErrorCode
)

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

**Rate limit.** Each app may send 50 requests per second (per shop where a request names
a `shop_cipher`), as TikTok Shop's default; an operator may set another rate. Past it the
answer is HTTP 429 with code {int(ErrorCode.TOO_MANY_REQUESTS)} and a `Retry-After` header:
the seconds to wait before trying again.

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
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
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


def document(base_url: str) -> dict:
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
