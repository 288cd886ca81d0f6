"""SPEC §8.1/8.3 on App & Service and the developer's Open API pages: a team member acts
for the partner account within their role's modules; another account's app stays a 404."""

import pytest
from django.urls import reverse

from accounts.models import AccountEvent
from accounts.permissions import NotPermitted
from apps_services import services
from apps_services.models import App, AppEvent, AppState, SellerBinding
from open_api.models import Authorization, WebhookDelivery
from tests.apps_services.conftest import make_app, make_developer
from tests.apps_services.test_create import form_data
from tests.open_api.conftest import SAM_SHOP, authorize, seller_login
from tests.sellers.conftest import SELLER_PASSWORD, make_seller

from ..conftest import make_member

SECRET_EVENTS = (AccountEvent.Type.SECRET_REVEALED, AccountEvent.Type.SECRET_ROTATED)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def certified_alice(alice, rita):
    make_developer(alice, state="approved", reviewer=rita)
    return alice


@pytest.fixture
def app(certified_alice):
    """A draft app of Alice's account."""
    return make_app(certified_alice)


def logged_in(client, user):
    client.force_login(user)
    return client


def reveal_url(app):
    return reverse("apps_services:app-reveal-secret", args=[app.pk])


def test_a_member_with_app_and_service_creates_an_app_for_the_account(alice, client):
    # given
    make_developer(alice, state="draft")
    member = make_member(account=alice, email="dev@example.com", role={"apps": 2})

    # when
    response = logged_in(client, member).post(reverse("apps_services:app-create"), form_data())

    # then
    app = App.objects.get()
    assert response.status_code == 302
    assert app.owner == alice
    assert app.events.get(kind=AppEvent.Kind.CREATED).by == member


def test_a_member_publishes_the_accounts_app_and_the_history_names_them(app, client):
    # given
    member = make_member(account=app.owner, email="dev@example.com", role={"apps": 2})

    # when
    logged_in(client, member).post(reverse("apps_services:app-publish", args=[app.pk]))

    # then
    app.refresh_from_db()
    assert app.state == AppState.PUBLISHED
    assert app.events.get(kind=AppEvent.Kind.PUBLISHED).by == member
    assert member.email in client.get(app.get_absolute_url()).text


def test_a_member_without_app_secrets_is_refused_reveal_and_rotate_and_not_offered_them(
    app, client
):
    # given
    member = make_member(account=app.owner, email="dev@example.com", role={"apps": 2})
    logged_in(client, member)

    # when
    detail = client.get(app.get_absolute_url())
    revealed = client.post(reveal_url(app))
    rotated = client.post(reverse("apps_services:app-rotate-secret", args=[app.pk]))

    # then
    assert detail.status_code == 200
    assert reveal_url(app) not in detail.text
    assert reverse("apps_services:app-rotate-secret", args=[app.pk]) not in detail.text
    assert reverse("open_api:app-authorizations", args=[app.pk]) not in detail.text
    assert reverse("open_api:app-webhooks", args=[app.pk]) not in detail.text
    assert (revealed.status_code, rotated.status_code) == (403, 403)
    assert app.reveal_secret() not in revealed.text
    assert not app.events.filter(kind=AppEvent.Kind.SECRET_REVEALED).exists()
    assert not AccountEvent.objects.filter(event_type__in=SECRET_EVENTS).exists()
    with pytest.raises(NotPermitted):
        services.reveal_app_secret(app_id=app.pk, by=member, ip=None)


def test_a_member_with_app_secrets_reveals_and_the_accounts_security_log_names_them(app, client):
    # given
    member = make_member(account=app.owner, email="dev@example.com", role={"apps": 2, "secrets": 2})
    logged_in(client, member)

    # when
    detail = client.get(app.get_absolute_url())
    revealed = client.post(reveal_url(app))

    # then
    assert reveal_url(app) in detail.text
    assert revealed.status_code == 200
    assert app.reveal_secret() in revealed.text
    assert app.events.get(kind=AppEvent.Kind.SECRET_REVEALED).by == member
    event = AccountEvent.objects.get(event_type=AccountEvent.Type.SECRET_REVEALED)
    assert (event.user, event.acting_user) == (app.owner, member)
    assert event.target == f"{app.name} ({app.app_key})"
    assert event.ip == "127.0.0.1"


def test_rotating_a_secret_is_on_the_accounts_security_log(app, client):
    # given
    member = make_member(account=app.owner, email="dev@example.com", role={"apps": 1, "secrets": 2})
    before = app.reveal_secret()

    # when
    response = logged_in(client, member).post(
        reverse("apps_services:app-rotate-secret", args=[app.pk])
    )

    # then
    app.refresh_from_db()
    assert response.status_code == 302
    assert app.reveal_secret() != before
    event = AccountEvent.objects.get(event_type=AccountEvent.Type.SECRET_ROTATED)
    assert (event.user, event.acting_user, event.ip) == (app.owner, member, "127.0.0.1")
    assert app.app_key in event.target


def test_the_main_accounts_own_reveal_is_on_its_security_log(app):
    # when
    services.reveal_app_secret(app_id=app.pk, by=app.owner, ip="203.0.113.9")

    # then
    event = AccountEvent.objects.get(event_type=AccountEvent.Type.SECRET_REVEALED)
    assert (event.user, event.acting_user, event.ip) == (app.owner, app.owner, "203.0.113.9")


def test_a_viewer_reads_every_app_page_and_changes_nothing(app, client):
    # given
    viewer = make_member(account=app.owner, email="viewer@example.com", role="viewer")
    logged_in(client, viewer)
    pages = [
        reverse("apps_services:app-list"),
        reverse("apps_services:app-create"),
        reverse("apps_services:app-detail", args=[app.pk]),
        reverse("apps_services:app-edit", args=[app.pk]),
        reverse("apps_services:app-deactivate", args=[app.pk]),
        reverse("apps_services:seller-verification"),
        reverse("open_api:app-authorizations", args=[app.pk]),
        reverse("open_api:app-webhooks", args=[app.pk]),
    ]
    posts = [
        (reverse("apps_services:app-create"), form_data(name="Another")),
        (reverse("apps_services:app-edit", args=[app.pk]), {"name": "Renamed"}),
        (reverse("apps_services:app-publish", args=[app.pk]), {}),
        (reverse("apps_services:app-deactivate", args=[app.pk]), {"confirm": "on"}),
        (reveal_url(app), {}),
        (reverse("apps_services:app-rotate-secret", args=[app.pk]), {}),
        (reverse("apps_services:seller-verification"), {"login": "x", "password": "y"}),
        (reverse("open_api:app-deauthorize", args=[app.pk, 1]), {}),
        (reverse("open_api:app-webhook-test", args=[app.pk]), {"event_type": "6"}),
        (reverse("open_api:app-webhook-redeliver", args=[app.pk, 1]), {}),
    ]
    secret = app.reveal_secret()
    events = app.events.count()

    # when
    read = {url: client.get(url).status_code for url in pages}
    written = {url: client.post(url, data).status_code for url, data in posts}

    # then
    assert read == dict.fromkeys(pages, 200)
    assert written == dict.fromkeys(written, 403)
    detail = client.get(app.get_absolute_url()).text
    assert reverse("apps_services:app-edit", args=[app.pk]) not in detail
    assert reverse("apps_services:app-publish", args=[app.pk]) not in detail
    assert reveal_url(app) not in detail
    app.refresh_from_db()
    assert (app.name, app.state, app.reveal_secret()) == ("Order Sync", AppState.DRAFT, secret)
    assert App.objects.count() == 1
    assert app.events.count() == events
    assert not AccountEvent.objects.filter(event_type__in=SECRET_EVENTS).exists()
    assert not WebhookDelivery.objects.exists()


def test_a_member_without_the_module_is_refused(app, client):
    # given
    profile_only = make_member(account=app.owner, email="p@example.com", role={"profile": 2})
    apps_only = make_member(account=app.owner, email="a@example.com", role={"apps": 2})

    # when
    logged_in(client, profile_only)
    without_apps = [
        client.get(reverse("apps_services:app-list")).status_code,
        client.get(app.get_absolute_url()).status_code,
    ]
    logged_in(client, apps_only)
    without_open_api = [
        client.get(reverse(f"open_api:{name}", args=[app.pk])).status_code
        for name in ("app-authorizations", "app-webhooks")
    ]

    # then
    assert without_apps == [403, 403]
    assert without_open_api == [403, 403]


def test_a_member_of_another_team_finds_no_app_of_this_account(app, bob, client):
    # given
    bobs_admin = make_member(account=bob, email="admin@bob.example", role="administrator")
    logged_in(client, bobs_admin)

    # when
    pages = [
        client.get(reverse(f"apps_services:{name}", args=[app.pk])).status_code
        for name in ("app-detail", "app-edit", "app-deactivate", "app-rotate-secret")
    ] + [
        client.get(reverse(f"open_api:{name}", args=[app.pk])).status_code
        for name in ("app-authorizations", "app-webhooks")
    ]
    posts = [
        client.post(reveal_url(app)).status_code,
        client.post(reverse("apps_services:app-publish", args=[app.pk])).status_code,
        client.post(
            reverse("open_api:app-webhook-test", args=[app.pk]), {"event_type": "6"}
        ).status_code,
    ]
    listing = client.get(reverse("apps_services:app-list"))

    # then
    assert pages == [404] * 6
    assert posts == [404] * 3
    assert app.name not in listing.text
    assert not AccountEvent.objects.filter(event_type__in=SECRET_EVENTS).exists()
    with pytest.raises(App.DoesNotExist):
        services.publish_app(app_id=app.pk, by=bobs_admin)


def test_a_member_with_authorizations_deauthorizes_a_shop_of_the_accounts_app(
    app, client, settings
):
    # given
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    app = services.publish_app(app_id=app.pk, by=app.owner)
    seller_login(client, make_seller(email="sam@shop.example", shop_ids=(SAM_SHOP,)))
    authorize(client, app)
    authorization = Authorization.objects.get()
    member = make_member(
        account=app.owner, email="ops@example.com", role={"apps": 1, "authorizations": 2}
    )
    logged_in(client, member)

    # when
    page = client.get(reverse("open_api:app-authorizations", args=[app.pk]))
    response = client.post(reverse("open_api:app-deauthorize", args=[app.pk, authorization.pk]))

    # then
    assert "Deauthorize" in page.text
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.ended_by == Authorization.EndedBy.DEVELOPER


def test_a_member_with_webhooks_reaches_the_test_event_of_the_accounts_app(app, client):
    # given: an app without a Webhook URL, so the service answers why it sends nothing
    member = make_member(
        account=app.owner, email="ops@example.com", role={"apps": 1, "webhooks": 2}
    )

    # when
    response = logged_in(client, member).post(
        reverse("open_api:app-webhook-test", args=[app.pk]), {"event_type": "6"}, follow=True
    )

    # then
    assert response.status_code == 200
    assert "Set a Webhook URL on the app first" in response.text
    assert reverse("open_api:app-webhooks", args=[app.pk]) in response.text
    assert reverse("open_api:app-authorizations", args=[app.pk]) not in response.text


def test_a_member_with_profile_verifies_the_accounts_seller_account_with_its_login(
    alice, client, settings
):
    # given: the seller account logs in with Alice's email, the account's login
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_seller(email=alice.email, shop_ids=(SAM_SHOP,))
    member = make_member(account=alice, email="ops@example.com", role={"profile": 2})
    logged_in(client, member)

    # when
    response = client.post(
        reverse("apps_services:seller-verification"),
        {"login": alice.email, "password": SELLER_PASSWORD},
    )

    # then
    assert response.status_code == 302
    binding = SellerBinding.objects.get()
    assert (binding.partner, binding.own_shop_id) == (alice, SAM_SHOP)
