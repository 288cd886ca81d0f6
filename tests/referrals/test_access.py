"""Every management URL of a service answers 404 to another partner, and asks anonymous
visitors to log in."""

import pytest
from django.urls import URLPattern, reverse

from referrals import urls as referral_urls
from referrals.models import ServiceEvent, ServiceState


def service_url_names() -> list[str]:
    """Every referrals URL that takes a service id, so a new one is covered by default."""
    return [
        p.name
        for p in referral_urls.urlpatterns
        if isinstance(p, URLPattern) and "pk" in p.pattern.converters
    ]


def url_for(name: str, pk: int) -> str:
    kwargs = {"pk": pk}
    if "kind" in reverse_kwargs(name):
        kwargs["kind"] = "local"
    return reverse(f"referrals:{name}", kwargs=kwargs)


def reverse_kwargs(name: str) -> set[str]:
    pattern = next(p for p in referral_urls.urlpatterns if getattr(p, "name", None) == name)
    return set(pattern.pattern.converters)


def test_the_walk_finds_the_management_urls():
    assert {
        "service-detail",
        "service-publish",
        "service-deactivate",
        "service-links",
        "link-qr",
    } <= set(service_url_names())


@pytest.mark.parametrize("name", service_url_names())
def test_every_management_url_is_a_404_for_another_partner(
    name, alice_service, approved_bob, client
):
    # given
    client.force_login(approved_bob)
    url = url_for(name, alice_service.pk)
    events = ServiceEvent.objects.count()

    # when
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)

    # then
    assert response.status_code == 404
    alice_service.refresh_from_db()
    assert alice_service.state == ServiceState.ON
    assert ServiceEvent.objects.count() == events


@pytest.mark.parametrize("name", service_url_names())
def test_every_management_url_asks_anonymous_visitors_to_log_in(name, alice_service, client):
    url = url_for(name, alice_service.pk)

    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_list_shows_only_the_partners_own_services(alice_service, approved_bob, client):
    client.force_login(approved_bob)

    response = client.get(reverse("referrals:service-list"))

    assert alice_service.name not in response.text
