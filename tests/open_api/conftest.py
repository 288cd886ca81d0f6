"""Open API fixtures: a published app of certified Alice, sellers Sam and Sara with shops in
the Seller Center stand-in, and helpers that walk the public protocol the way a developer's
integration does (authorization link → code → tokens → signed calls)."""

import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from apps_services import services
from apps_services.models import App
from sellers.models import SellerType, Shop
from tests.apps_services.conftest import make_app, make_developer
from tests.sellers.conftest import SELLER_PASSWORD, make_seller

SHOPS_PATH = "/authorization/202309/shops"
SAM_SHOP = "7494000000000101"
SAM_SECOND_SHOP = "7494000000000102"
SARA_SHOP = "7494000000000201"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def certified_alice(alice, rita):
    """Alice, an ISV whose developer application is approved."""
    make_developer(alice, state="approved", reviewer=rita)
    return alice


@pytest.fixture
def sam(db):
    """A KYC-passed US seller with one local shop."""
    return make_seller(email="sam@shop.example", shop_ids=(SAM_SHOP,))


@pytest.fixture
def sara(db):
    """Another seller, with a cross-border shop."""
    account = make_seller(email="sara@shop.example", region="CN")
    Shop.objects.create(
        account=account,
        shop_id=SARA_SHOP,
        name="Sara Global",
        region="UK",
        seller_type=SellerType.CROSS_BORDER.shop_value,
    )
    return account


def seller_login(client, account) -> None:
    """Log in to the Seller Center stand-in the way a seller does (its own form)."""
    response = client.post(
        reverse("sellers:login"), {"login": account.email, "password": SELLER_PASSWORD}
    )
    assert response.status_code == 302, response.content


@pytest.fixture
def sam_client(client, sam):
    seller_login(client, sam)
    return client


def publish(app: App) -> App:
    return services.publish_app(app_id=app.pk, by=app.owner)


@pytest.fixture
def alice_app(certified_alice):
    """Alice's published custom ISV app with the API on."""
    return publish(make_app(certified_alice, redirect_url="https://alice.example/callback?x=1"))


def secret_of(app: App) -> str:
    return services.reveal_app_secret(app_id=app.pk, by=app.owner, ip=None)


def authorize_url(app: App, state: str | None = "s-42") -> str:
    url = f"/open/authorize?service_id={app.service_id}"
    return url + (f"&state={state}" if state is not None else "")


def authorize(client, app: App, *, shop_id: str = SAM_SHOP, state: str | None = "s-42") -> str:
    """Consent as the logged-in seller; return the auth code from the redirect."""
    response = client.post(authorize_url(app, state), {"decision": "authorize", "shop_id": shop_id})
    assert response.status_code == 302, response.content
    query = parse_qs(urlsplit(response["Location"]).query)
    return query["code"][0]


def get_token(client, app: App, code: str, *, secret: str | None = None):
    return client.get(
        "/api/v2/token/get",
        {
            "app_key": app.app_key,
            "app_secret": secret or secret_of(app),
            "auth_code": code,
            "grant_type": "authorized_code",
        },
    )


def tokens_for(client, app: App, *, shop_id: str = SAM_SHOP) -> dict:
    response = get_token(client, app, authorize(client, app, shop_id=shop_id))
    assert response.json()["code"] == 0, response.json()
    return response.json()["data"]


def expected_sign(secret: str, path: str, params: dict, body: bytes = b"") -> str:
    """The rule as TikTok Shop documents it, written out independently of signing.py."""
    pieces = "".join(
        f"{key}{params[key]}" for key in sorted(params) if key not in ("sign", "access_token")
    )
    message = (secret + path + pieces).encode() + body + secret.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_params(app: App, path: str, *, secret: str, timestamp: int | None = None, **extra):
    params = {"app_key": app.app_key, "timestamp": str(timestamp or int(time.time())), **extra}
    params["sign"] = expected_sign(secret, path, params)
    return params
