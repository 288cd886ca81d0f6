"""What an access token lets a call do, cached in the Django cache (Redis) between calls.

The signed shops call used to read the token row, its authorization and the seller's shops
on every call. Their answer — `Access` — is now kept in the cache under the token's hash
(never the token), for at most ACCESS_TTL seconds and never past the token's expiry, and
filed under the app's credentials generation (apps_services/credentials.py): revoking a
token, ending or giving an authorization, deactivating the app all draw a new generation
(`credentials.changed`), so the very next call reads the database again. Expiry needs no
event: the token's and every shop's expiry travel with the entry and are checked per call.

Redis unreachable: every call reads the database, as before.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache

from .models import AccessToken, Authorization, digest

ACCESS_TTL = 3600


def cache_key(token: str) -> str:
    return f"open-api:access:{digest(token)}"


@dataclass(frozen=True)
class Access:
    """An access token that was valid when read: whose it is and the seller's shops."""

    generation: str
    app_id: int
    revoked: bool
    expires_at: float  # Unix time
    authorization_active_until: float  # 0: the authorization has ended
    # (answer, expires_at) for every shop of this seller that authorized the app
    shops: tuple[tuple[dict, float], ...]
    # The scopes the seller granted with this token's authorization (open_api/scopes.py).
    granted_scopes: frozenset[str] = frozenset()

    def shops_now(self, now: float) -> list[dict]:
        return [shop for shop, expires_at in self.shops if expires_at > now]


def shop_answer(shop: Authorization) -> dict:
    return {
        "cipher": shop.shop_cipher,
        "code": shop.shop_code,
        "id": shop.shop_id,
        "name": shop.shop_name,
        "region": shop.shop_region,
        "seller_type": shop.seller_type,
    }


def read(token: str, *, generation: str) -> Access | None:
    """From the database (2 queries), and into the cache when still worth keeping."""
    row = (
        AccessToken.objects.select_related("authorization").filter(token_hash=digest(token)).first()
    )
    if row is None:
        return None
    authorization = row.authorization
    shops = (
        Authorization.objects.active()
        .filter(app_id=row.app_id, open_id=authorization.open_id)
        .order_by("pk")
    )
    access = Access(
        generation=generation,
        app_id=row.app_id,
        revoked=row.revoked_at is not None,
        expires_at=row.expires_at.timestamp(),
        authorization_active_until=(
            0.0 if authorization.revoked_at else authorization.expires_at.timestamp()
        ),
        shops=tuple((shop_answer(shop), shop.expires_at.timestamp()) for shop in shops),
        granted_scopes=frozenset(authorization.granted_scopes or ()),
    )
    keep = min(ACCESS_TTL, int(access.expires_at - time.time()))
    if keep > 0:
        cache.set(cache_key(token), access, keep)
    return access


def lookup(token: str, *, generation: str, cached: Access | None) -> Access | None:
    """The token's Access; `cached` is what the cache held (None: nothing), trusted only
    under the app's current generation."""
    if cached is not None and cached.generation == generation:
        return cached
    return read(token, generation=generation)
