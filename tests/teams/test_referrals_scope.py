"""SPEC §8.1/8.3 on shop registration: a member with Shop registration runs the account's
services; a viewer reads them; another account's service stays a 404."""

import pytest
from django.urls import reverse

from accounts.permissions import NotPermitted
from categories.models import Center
from referrals import services
from referrals.models import ReferralLink, ServiceState, ShopRegistrationService
from tests.referrals.conftest import make_service, make_shop_partner, publish
from tests.referrals.test_gate_and_create import form_data

from ..conftest import make_member, make_user


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _database_counter(settings):
    settings.REFERRAL_CLICK_COUNTER = "database"


@pytest.fixture
def alice(db, rita):
    """A US partner approved for Outsourced Operations › Shop registration."""
    user = make_user(email="alice@example.com", center=Center.US)
    make_shop_partner(user, reviewer=rita)
    return user


@pytest.fixture
def service(alice, django_capture_on_commit_callbacks):
    """Alice's published service."""
    with django_capture_on_commit_callbacks(execute=True):
        return publish(make_service(alice))


def logged_in(client, user):
    client.force_login(user)
    return client


def test_a_member_with_shop_registration_creates_and_publishes_for_the_account(alice, client):
    # given
    member = make_member(account=alice, email="ops@example.com", role={"shop_registration": 2})
    logged_in(client, member)

    # when
    created = client.post(reverse("referrals:service-create"), form_data())
    service = ShopRegistrationService.objects.get()
    published = client.post(reverse("referrals:service-publish", args=[service.pk]))

    # then
    service.refresh_from_db()
    assert (created.status_code, published.status_code) == (302, 302)
    assert service.partner == alice
    assert service.state == ServiceState.ON
    assert service.links.count() == 2
    assert service.events.get(name="publish").by == member
    assert service.name in client.get(reverse("referrals:service-list")).text


def test_a_viewer_reads_every_service_page_and_changes_nothing(service, client):
    # given
    viewer = make_member(account=service.partner, email="viewer@example.com", role="viewer")
    logged_in(client, viewer)
    link = service.links.first()
    pages = [
        reverse("referrals:service-list"),
        reverse("referrals:service-create"),
        reverse("referrals:service-detail", args=[service.pk]),
        reverse("referrals:service-deactivate", args=[service.pk]),
        reverse("referrals:service-links", args=[service.pk]),
        reverse("referrals:link-qr", args=[service.pk, link.kind.slug]),
        reverse("apps_services:app-list"),
    ]
    posts = [
        (reverse("referrals:service-create"), form_data(name="Another")),
        (reverse("referrals:service-publish", args=[service.pk]), {}),
        (reverse("referrals:service-deactivate", args=[service.pk]), {}),
    ]

    # when
    read = {url: client.get(url).status_code for url in pages}
    written = {url: client.post(url, data).status_code for url, data in posts}

    # then
    assert read == dict.fromkeys(pages, 200)
    assert written == dict.fromkeys(written, 403)
    detail = client.get(service.get_absolute_url()).text
    assert reverse("referrals:service-deactivate", args=[service.pk]) not in detail
    assert reverse("referrals:service-create") not in client.get(pages[0]).text
    service.refresh_from_db()
    assert service.state == ServiceState.ON
    assert ShopRegistrationService.objects.count() == 1
    assert service.events.count() == 1


def test_a_member_without_shop_registration_is_refused_and_not_shown_it(service, client):
    # given
    member = make_member(account=service.partner, email="dev@example.com", role={"apps": 2})
    logged_in(client, member)

    # when
    listing = client.get(reverse("referrals:service-list"))
    detail = client.get(service.get_absolute_url())
    apps = client.get(reverse("apps_services:app-list"))

    # then
    assert (listing.status_code, detail.status_code) == (403, 403)
    assert apps.status_code == 200
    assert 'id="shop-registration-entry"' not in apps.text
    with pytest.raises(NotPermitted):
        services.deactivate_service(service_id=service.pk, by=member)


def test_a_member_of_another_team_finds_no_service_of_this_account(service, client):
    # given
    bob = make_user(email="bob@example.com", center=Center.US)
    bobs_admin = make_member(account=bob, email="admin@bob.example", role="administrator")
    logged_in(client, bobs_admin)
    link = service.links.first()

    # when
    pages = [
        client.get(reverse(f"referrals:{name}", args=[service.pk])).status_code
        for name in ("service-detail", "service-links", "service-deactivate")
    ]
    qr = client.get(reverse("referrals:link-qr", args=[service.pk, link.kind.slug]))
    deactivate = client.post(reverse("referrals:service-deactivate", args=[service.pk]))
    listing = client.get(reverse("referrals:service-list"))

    # then
    assert pages == [404, 404, 404]
    assert (qr.status_code, deactivate.status_code) == (404, 404)
    assert service.name not in listing.text
    service.refresh_from_db()
    assert service.state == ServiceState.ON
    assert ReferralLink.objects.filter(service=service).count() == 2
    with pytest.raises(ShopRegistrationService.DoesNotExist):
        services.deactivate_service(service_id=service.pk, by=bobs_admin)
