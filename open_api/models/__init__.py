"""The Open API's data, one module per domain: seller authorizations and tokens, the webhook
outbox and its topics, the scope catalog, the gateway's rate limits and IP allow-lists, and
the API call log."""

from .authorizations import (
    ACCESS_TOKEN_TTL,
    AUTH_CODE_TTL,
    AUTHORIZATION_VALIDITY,
    EXPIRY_NOTICE_WINDOW,
    AccessToken,
    AuthCode,
    Authorization,
    AuthorizationQuerySet,
    GrantedAuthorization,
    IssuedToken,
    RefreshToken,
    TokenQuerySet,
    digest,
)
from .calls import ApiCall
from .gateway import DEFAULT_PER_SECOND, AllowedNetwork, RateLimit, parse_network
from .scopes import (
    CATALOG,
    DECIDE_PERMISSION,
    DEFAULT_SCOPES,
    AppScope,
    AppScopeQuerySet,
    Scope,
    ScopeQuerySet,
)
from .webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryQuerySet,
    WebhookSubscription,
)

__all__ = [
    "ACCESS_TOKEN_TTL",
    "AUTHORIZATION_VALIDITY",
    "AUTH_CODE_TTL",
    "CATALOG",
    "DECIDE_PERMISSION",
    "DEFAULT_PER_SECOND",
    "DEFAULT_SCOPES",
    "EXPIRY_NOTICE_WINDOW",
    "AccessToken",
    "AllowedNetwork",
    "ApiCall",
    "AppScope",
    "AppScopeQuerySet",
    "AuthCode",
    "Authorization",
    "AuthorizationQuerySet",
    "GrantedAuthorization",
    "IssuedToken",
    "RateLimit",
    "RefreshToken",
    "Scope",
    "ScopeQuerySet",
    "TokenQuerySet",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookDeliveryQuerySet",
    "WebhookSubscription",
    "digest",
    "parse_network",
]
