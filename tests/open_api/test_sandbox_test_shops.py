"""SPEC §9.1: sandbox test shops, made on an app's Test shops tab, authorize their
developer's apps (published or not) through the real consent page, and no one else's; they
never count as real sellers."""

import json
import logging
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent
from apps_services import services as app_services
from apps_services.models import App
from open_api import sandbox
from open_api.models import Authorization
from referrals import services as referrals
from sellers.directory import get_directory
from sellers.forms import SellerSignupForm
from sellers.models import TEST_LOGIN_DOMAIN, SellerAccount, SellerType, Shop
from tests.apps_services.conftest import make_app, make_developer
from tests.conftest import make_member, make_user

from .conftest import publish


def url(name: str, app: App, **kwargs) -> str:
    return reverse(f"console:{name}", kwargs={"pk": app.pk, **kwargs})


def create_page(client, app: App, name: str = "Alice Sandbox"):
    return client.post(url("test-shop-create", app), {"name": name})


def make_test_shop(app: App, name: str = "Alice Sandbox") -> sandbox.NewTestShop:
    return sandbox.create_test_shop(app_id=app.pk, by=app.owner, name=name)


@pytest.fixture
def draft_app(certified_alice):
    """Alice's custom app with the API on, not published yet."""
    return make_app(certified_alice, redirect_url="https://alice.example/callback")


@pytest.fixture
def certified_bob(bob, rita):
    make_developer(bob, state="approved", reviewer=rita)
    return bob


@pytest.fixture
def bob_app(certified_bob):
    return publish(make_app(certified_bob, name="Bob Sync"))


# --- creating ------------------------------------------------------------------------------


def test_a_test_shop_is_a_kyc_passed_seller_in_the_apps_market_with_its_login_shown_once(
    client, draft_app, caplog
):
    # given
    client.force_login(draft_app.owner)
    caplog.set_level(logging.DEBUG)

    # when
    response = create_page(client, draft_app)

    # then
    assert response.status_code == 200
    account = SellerAccount.objects.get(test_owner=draft_app.owner)
    shop = account.shops.get()
    assert account.kyc_passed
    assert account.is_test
    assert account.email.endswith(f"@{TEST_LOGIN_DOMAIN}")
    assert (shop.name, shop.region, shop.seller_type) == ("Alice Sandbox", "UK", "LOCAL")
    password = response.context["created"].password
    assert len(password) >= 20
    assert account.check_password(password)
    assert account.email in response.text
    assert password in response.text
    assert "no-store" in response["Cache-Control"]
    # shown once: the tab lists the shop, never its login or password
    listing = client.get(url("test-shops", draft_app)).text
    assert "Alice Sandbox" in listing
    assert "TEST" in listing
    assert account.email not in listing
    assert password not in listing
    event = AccountEvent.objects.get(event_type=AccountEvent.Type.TEST_SHOP_CREATED)
    assert event.user == draft_app.owner
    assert shop.shop_id in event.target
    assert password not in json.dumps(event.details)
    assert password not in caplog.text
    assert SellerAccount.objects.real().filter(pk=account.pk).exists() is False


def test_a_developer_has_at_most_the_configured_number_of_test_shops(client, draft_app, settings):
    # given
    settings.TEST_SHOPS_PER_DEVELOPER = 2
    make_test_shop(draft_app, "One")
    make_test_shop(draft_app, "Two")
    client.force_login(draft_app.owner)

    # when
    response = create_page(client, draft_app, "Three")

    # then
    assert response.status_code == 200
    assert "already has 2 test shops" in response.text
    assert SellerAccount.objects.filter(test_owner=draft_app.owner).count() == 2


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_a_test_shop_needs_a_name_of_sensible_length(client, draft_app, name):
    # given
    client.force_login(draft_app.owner)

    # when
    response = create_page(client, draft_app, name)

    # then
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not SellerAccount.objects.filter(test_owner=draft_app.owner).exists()


def test_a_cross_border_app_gets_a_cross_border_test_shop(certified_alice):
    # given
    app = make_app(certified_alice, seller_type=SellerType.CROSS_BORDER)

    # when
    created = make_test_shop(app)

    # then
    assert created.test_shop.shop.seller_type == "CROSS_BORDER"
    assert created.test_shop.shop.region == "UK"


# --- who may -------------------------------------------------------------------------------


def test_another_accounts_app_and_test_shop_are_not_found(client, draft_app, bob_app):
    # given
    alices = make_test_shop(draft_app)
    client.force_login(bob_app.owner)

    # when
    answers = [
        client.get(url("test-shops", draft_app)),
        client.post(url("test-shop-create", draft_app), {"name": "Mine"}),
        client.post(url("test-shop-delete", bob_app, test_shop_id=alices.test_shop.account_id)),
        client.post(url("test-shop-authorize", bob_app, test_shop_id=alices.test_shop.account_id)),
    ]

    # then
    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert SellerAccount.objects.filter(pk=alices.test_shop.account_id).exists()
    assert not SellerAccount.objects.filter(test_owner=bob_app.owner).exists()


def test_a_viewer_sees_the_test_shops_but_cannot_make_one(client, draft_app):
    # given
    make_test_shop(draft_app)
    viewer = make_member(account=draft_app.owner, email="vera@example.com", role="viewer")
    client.force_login(viewer)

    # when
    page = client.get(url("test-shops", draft_app))
    created = create_page(client, draft_app, "Vera's")

    # then
    assert page.status_code == 200
    assert "Alice Sandbox" in page.text
    assert "Create test shop" not in page.text
    assert created.status_code == 403
    assert SellerAccount.objects.filter(test_owner=draft_app.owner).count() == 1


def test_a_member_with_authorizations_makes_test_shops_for_the_account(client, draft_app):
    # given
    member = make_member(
        account=draft_app.owner, email="ivan@example.com", role={"authorizations": 2}
    )
    client.force_login(member)

    # when
    response = create_page(client, draft_app)

    # then
    assert response.status_code == 200
    assert SellerAccount.objects.get(test_owner=draft_app.owner).shops.count() == 1


# --- authorizing ---------------------------------------------------------------------------


def consent_through_the_tab(client, app: App, test_shop: sandbox.NewTestShop):
    """Authorize this app → the consent page → Authorize; the final redirect."""
    to_consent = client.post(
        url("test-shop-authorize", app, test_shop_id=test_shop.test_shop.account_id)
    )
    assert to_consent.status_code == 302, to_consent.content
    assert to_consent["Location"].startswith(f"/open/authorize?service_id={app.service_id}&state=")
    page = client.get(to_consent["Location"])
    assert page.status_code == 200, page.content
    assert "TEST" in page.text
    assert test_shop.test_shop.shop.shop_id in page.text
    return client.post(
        to_consent["Location"],
        {"decision": "authorize", "shop_id": test_shop.test_shop.shop.shop_id},
    )


def test_a_test_shop_authorizes_its_developers_unpublished_app_on_the_consent_page(
    client, draft_app
):
    # given
    test_shop = make_test_shop(draft_app)
    client.force_login(draft_app.owner)

    # when
    answer = consent_through_the_tab(client, draft_app, test_shop)

    # then
    assert answer.status_code == 302
    assert answer["Location"].startswith("https://alice.example/callback?code=")
    state = parse_qs(urlsplit(answer["Location"]).query)["state"][0]
    assert state == f"test-shop-{test_shop.test_shop.shop.shop_id}"
    authorization = Authorization.objects.get(app=draft_app)
    assert authorization.shop_id == test_shop.test_shop.shop.shop_id
    assert authorization.seller_account_id == test_shop.test_shop.account_id
    listing = client.get(url("test-shops", draft_app)).text
    assert "Authorized" in listing


def test_a_test_shop_cannot_authorize_another_developers_app(client, draft_app, bob_app):
    # given: alice's test seller logs in to Seller Center with its own login
    test_shop = make_test_shop(draft_app)
    seller = Client()
    seller.post(
        reverse("sellers:login"),
        {"login": test_shop.test_shop.login, "password": test_shop.password},
    )
    consent = f"/open/authorize?service_id={bob_app.service_id}&state=x"

    # when
    page = seller.get(consent)
    posted = seller.post(
        consent, {"decision": "authorize", "shop_id": test_shop.test_shop.shop.shop_id}
    )

    # then
    assert page.status_code == 403
    assert "Authorization failed" in page.text
    assert posted.status_code == 403
    assert not Authorization.objects.filter(app=bob_app).exists()


def test_a_real_seller_still_cannot_authorize_an_unpublished_app(sam_client, draft_app):
    # when
    page = sam_client.get(f"/open/authorize?service_id={draft_app.service_id}&state=x")

    # then
    assert page.status_code == 403
    assert "not published yet" in page.text


def test_the_tab_says_why_an_app_without_the_open_api_cannot_be_authorized(client, certified_alice):
    # given
    app = make_app(certified_alice, api_enabled=False, redirect_url="")
    test_shop = make_test_shop(app)
    client.force_login(certified_alice)

    # when
    page = client.get(url("test-shops", app))
    tried = client.post(
        url("test-shop-authorize", app, test_shop_id=test_shop.test_shop.account_id),
        follow=True,
    )

    # then
    assert "Turn on the Open API and set a Redirect URL" in page.text
    assert "Authorize this app" not in page.text
    assert "Turn on the Open API and set a Redirect URL" in tried.text
    assert tried.redirect_chain[-1][0] == url("test-shops", app)


def test_a_test_shop_cannot_authorize_a_deactivated_app(client, draft_app):
    # given
    test_shop = make_test_shop(draft_app)
    app_services.deactivate_app(app_id=draft_app.pk, by=draft_app.owner)
    client.force_login(draft_app.owner)

    # when
    tried = client.post(
        url("test-shop-authorize", draft_app, test_shop_id=test_shop.test_shop.account_id)
    )

    # then
    assert tried.status_code == 302
    assert tried["Location"] == url("test-shops", draft_app)
    assert not Authorization.objects.exists()


def test_deleting_a_test_shop_ends_its_authorizations(client, draft_app):
    # given
    test_shop = make_test_shop(draft_app)
    client.force_login(draft_app.owner)
    consent_through_the_tab(client, draft_app, test_shop)

    # when
    response = client.post(
        url("test-shop-delete", draft_app, test_shop_id=test_shop.test_shop.account_id)
    )

    # then
    assert response.status_code == 302
    assert not SellerAccount.objects.filter(pk=test_shop.test_shop.account_id).exists()
    assert not Shop.objects.filter(shop_id=test_shop.test_shop.shop.shop_id).exists()
    assert not Authorization.objects.get(app=draft_app).is_active
    assert AccountEvent.objects.filter(event_type=AccountEvent.Type.TEST_SHOP_DELETED).exists()


# --- never a real seller -------------------------------------------------------------------


def test_a_test_seller_is_never_credited_to_a_referral_link(draft_app, monkeypatch):
    # given: a link that is on, whichever it is
    test_shop = make_test_shop(draft_app)
    monkeypatch.setattr(referrals, "active_link", lambda token: object())

    # when
    signup = referrals.attribute_signup(
        token="any", seller_account_id=test_shop.test_shop.account_id
    )

    # then
    assert signup is None


def test_a_test_sellers_login_cannot_verify_a_seller_developer(draft_app):
    # given: a partner whose own login is the test seller's (as if one could sign up so)
    test_shop = make_test_shop(draft_app)
    partner = make_user(email=test_shop.test_shop.login)
    make_developer(partner, kind="seller")

    # when / then
    with pytest.raises(ValidationError) as refused:
        app_services.verify_seller_developer(
            user=partner, login=test_shop.test_shop.login, password=test_shop.password
        )
    assert refused.value.code == "no_seller_account"


def test_no_real_seller_signs_up_with_a_test_login():
    # when
    form = SellerSignupForm(
        {
            "email": f"someone@{TEST_LOGIN_DOMAIN}",
            "name": "Someone",
            "region": "US",
            "password": "a-Long-enough-passw0rd",
        },
        regions=[("US", "United States")],
    )

    # then
    assert not form.is_valid()
    assert "email" in form.errors


def test_test_accounts_are_apart_from_real_sellers(draft_app, sam):
    # given
    test_shop = make_test_shop(draft_app)

    # when
    real = set(SellerAccount.objects.real().values_list("pk", flat=True))
    info = get_directory().get_account(test_shop.test_shop.account_id)

    # then
    assert real == {sam.pk}
    assert info is not None
    assert info.is_test
    assert info.test_owner_id == draft_app.owner_id
    assert get_directory().list_shops(test_shop.test_shop.account_id)[0].is_test


def test_the_admin_filters_and_marks_test_accounts(admin_client, draft_app, sam):
    # given
    make_test_shop(draft_app)

    # when
    tests_only = admin_client.get("/admin/sellers/selleraccount/?test=yes")
    real_only = admin_client.get("/admin/sellers/selleraccount/?test=no")
    shops = admin_client.get("/admin/sellers/shop/?test=yes")

    # then
    assert "Alice Sandbox" in tests_only.text
    assert sam.email not in tests_only.text
    assert sam.email in real_only.text
    assert "Alice Sandbox" not in real_only.text
    assert "Alice Sandbox" in shops.text


# --- the demo ------------------------------------------------------------------------------


def test_seed_demo_prints_a_test_shop_that_authorizes_the_demo_app(db, client):
    # given: run twice, as make run does
    call_command("seed_demo", "--json", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    result = json.loads(out.getvalue())
    test_shop = result["test_shop"]

    # when: the printed login works, and the demo app's consent page lists the shop
    logged_in = client.post(
        reverse("sellers:login"), {"login": test_shop["login"], "password": test_shop["password"]}
    )
    page = client.get(f"/open/authorize?service_id={result['app']['service_id']}&state=s")

    # then
    assert logged_in.status_code == 302
    assert page.status_code == 200
    assert test_shop["shop_id"] in page.text
    account = SellerAccount.objects.get(email=test_shop["login"])
    assert account.test_owner.email == result["developer"]["email"]
    assert Shop.objects.filter(shop_id=test_shop["shop_id"]).count() == 1
