"""The Open API's endpoints, named once: each view declares its `Endpoint`, and the scope
catalog, the rate limits, the call log, the API testing tool and the OpenAPI document all
key by `Endpoint.key` (the OpenAPI operationId)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    key: str  # the OpenAPI operationId; stored in the call log, the scope catalog, limits
    method: str
    path: str
    summary: str
    # Token endpoints authenticate with the app secret and reach no seller data: no scope.
    signed: bool = True

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


TOKEN_GET = Endpoint("getToken", "GET", "/api/v2/token/get", "Get an access token", signed=False)
TOKEN_REFRESH = Endpoint(
    "refreshToken", "GET", "/api/v2/token/refresh", "Refresh an access token", signed=False
)
AUTHORIZED_SHOPS = Endpoint(
    "getAuthorizedShops", "GET", "/authorization/202309/shops", "Get authorized shops"
)
DEAUTHORIZE_SHOP = Endpoint(
    "deauthorizeShop", "DELETE", "/authorization/202403/shops", "Deauthorize a shop"
)

ENDPOINTS: tuple[Endpoint, ...] = (TOKEN_GET, TOKEN_REFRESH, AUTHORIZED_SHOPS, DEAUTHORIZE_SHOP)
BY_KEY = {endpoint.key: endpoint for endpoint in ENDPOINTS}
# The endpoints a seller's grant governs (the rest authenticate with the app secret).
SCOPED = tuple(endpoint for endpoint in ENDPOINTS if endpoint.signed)


def choices() -> list[tuple[str, str]]:
    return [(endpoint.key, endpoint.label) for endpoint in ENDPOINTS]
