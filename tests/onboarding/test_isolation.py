"""Every partner URL of the onboarding app (and of its inbox, in the notifications app),
requested as another partner, answers 404."""

import uuid

import pytest
from django.urls import URLPattern, get_resolver, reverse

from notifications.models import Notification
from onboarding.models import CompanyEntity

from .conftest import make_application, upload

NAMESPACES = ("onboarding", "notifications")


def onboarding_patterns() -> list[tuple[str, URLPattern]]:
    """(namespaced name, pattern) of every URL under /onboarding/."""
    return [
        (f"{resolver.namespace}:{pattern.name}", pattern)
        for resolver in get_resolver().url_patterns
        if getattr(resolver, "namespace", None) in NAMESPACES
        for pattern in resolver.url_patterns
    ]


@pytest.fixture
def alices_things(alice, rita):
    application = make_application(alice, state="rejected", reviewer=rita)
    entity = CompanyEntity.objects.get(user=alice)
    notification = Notification.objects.get(user=alice)
    return {
        "pk": application.pk,
        "batch": application.batch,
        "name": entity.business_certificate.name,
        "notification": notification.pk,
    }


def kwargs_for(pattern: URLPattern, things) -> dict:
    names = set(pattern.pattern.converters)
    if pattern.name.startswith("notification") and names:
        return {"pk": things["notification"]}
    return {name: things[name] for name in names}


def test_every_url_with_an_object_is_404_for_another_partner(client, bob, alices_things):
    # given
    client.force_login(bob)
    checked = []

    # when / then
    for name, pattern in onboarding_patterns():
        if not pattern.pattern.converters:
            continue
        url = reverse(name, kwargs=kwargs_for(pattern, alices_things))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), (url, method, response.status_code)
            if response.status_code == 404:
                checked.append(name)
    assert set(checked) >= {
        "onboarding:batch-edit",
        "onboarding:application-detail",
        "onboarding:application-edit",
        "onboarding:document",
        "notifications:notification-open",
    }


def test_the_owner_reaches_those_same_urls(alice_client, alices_things):
    for name in ("batch-edit", "application-detail", "application-edit", "document"):
        pattern = next(p for n, p in onboarding_patterns() if n == f"onboarding:{name}")
        url = reverse(f"onboarding:{name}", kwargs=kwargs_for(pattern, alices_things))
        assert alice_client.get(url).status_code in (200, 302), url


def test_urls_without_an_object_show_only_your_own_things(client, bob, alices_things):
    client.force_login(bob)

    assert "Not approved" not in client.get("/onboarding/notifications/").content.decode()
    assert (
        "LIVE Management" not in client.get("/my-account/profile/?tab=categories").content.decode()
    )
    assert "Acme Growth" not in client.get("/my-account/profile/?tab=entity").content.decode()
    assert client.get(f"/onboarding/batches/{uuid.uuid4()}/").status_code == 404


def test_every_url_needs_a_login(client, alices_things):
    for name, pattern in onboarding_patterns():
        url = reverse(name, kwargs=kwargs_for(pattern, alices_things))
        response = client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert "/account/login/" in response.url


def test_bobs_upload_cannot_point_at_alices_document(client, bob, alices_things):
    """A document is found by its stored name; bob's own files get new random names."""
    entity = CompanyEntity.objects.create(user=bob)
    entity.logo = upload("logo.png")
    entity.save()

    assert entity.logo.name != alices_things["name"]
