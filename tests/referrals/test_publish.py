"""SPEC §5.3-5.4: publish behind a confirmation showing the target market; two URLs; deactivate
and re-publish never change them."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from referrals import services
from referrals.models import ReferralLink, ServiceEvent, ServiceState
from sellers.models import SellerType

from .conftest import make_service


def shown_urls(client, service) -> dict[str, str]:
    page = client.get(service.get_absolute_url()).text
    return dict(
        re.findall(r'<textarea id="url-([a-z-]+)" class="url-field"[^>]*>([^<]+)</textarea>', page)
    )


def test_publish_asks_to_confirm_the_target_market(approved_alice, client):
    # given
    service = make_service(approved_alice)
    client.force_login(approved_alice)

    # when
    response = client.get(service.get_absolute_url() + "?confirm=publish")

    # then
    dialog = response.text.split('id="publish-dialog"')[1].split("</form>")[0]
    assert "Target market" in dialog
    assert "United States" in dialog
    assert reverse("referrals:service-publish", args=[service.pk]) in dialog
    assert "Confirm" in dialog


def test_publishing_turns_the_service_on_with_two_urls(
    approved_alice, client, django_capture_on_commit_callbacks
):
    # given
    service = make_service(approved_alice)
    client.force_login(approved_alice)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("referrals:service-publish", args=[service.pk]))

    # then
    service.refresh_from_db()
    assert response.status_code == 302
    assert service.state == ServiceState.ON
    urls = shown_urls(client, service)
    assert set(urls) == {"local", "cross-border"}
    assert urls["local"] != urls["cross-border"]
    for url in urls.values():
        assert re.fullmatch(r"http://testserver/r/[A-Za-z0-9_-]{32}", url)
    page = client.get(service.get_absolute_url()).text
    assert "URL for local sellers" in page
    assert "URL for cross-border sellers" in page
    assert page.count("data-copy=") == 2
    event = ServiceEvent.objects.get(service=service)
    assert (event.name, event.source, event.target, event.by) == (
        "publish",
        ServiceState.DRAFT,
        ServiceState.ON,
        approved_alice,
    )
    assert event.note == "United States"


def test_urls_are_identical_before_and_after_deactivate_and_republish(
    alice_service, client, django_capture_on_commit_callbacks
):
    # given
    client.force_login(alice_service.partner)
    before = shown_urls(client, alice_service)
    tokens = set(ReferralLink.objects.values_list("token", flat=True))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("referrals:service-deactivate", args=[alice_service.pk]))
    alice_service.refresh_from_db()
    assert alice_service.state == ServiceState.OFF
    while_off = shown_urls(client, alice_service)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("referrals:service-publish", args=[alice_service.pk]))

    # then
    alice_service.refresh_from_db()
    assert alice_service.state == ServiceState.ON
    assert before == while_off == shown_urls(client, alice_service)
    assert set(ReferralLink.objects.values_list("token", flat=True)) == tokens
    assert ReferralLink.objects.count() == 2
    assert (
        list(alice_service.events.values_list("name", flat=True))
        == [
            "publish",
            "deactivate",
            "publish",
        ][::-1]
    )


def test_tokens_are_unguessable(alice_service):
    for link in alice_service.links.all():
        # 32 URL-safe base64 characters = 192 random bits (at least 128 required).
        assert len(link.token) * 6 >= 128
        assert len(link.token) == 32


def test_deactivate_sits_in_the_menu_beside_target_sellers(alice_service, client):
    client.force_login(alice_service.partner)

    page = client.get(alice_service.get_absolute_url()).text

    panel = page.split("<h2>Target sellers</h2>")[1].split("</details>")[0]
    assert 'class="more-menu"' in panel
    assert reverse("referrals:service-deactivate", args=[alice_service.pk]) in panel


def test_a_draft_cannot_be_deactivated(approved_alice):
    service = make_service(approved_alice)

    with pytest.raises(services.ServiceActionRefused):
        services.deactivate_service(service_id=service.pk, by=approved_alice)


def test_publishing_twice_is_harmless(alice_service):
    services.publish_service(service_id=alice_service.pk, by=alice_service.partner)

    assert alice_service.events.count() == 1
    assert alice_service.links.count() == 2


def test_state_cannot_be_set_directly(alice_service):
    with pytest.raises(AttributeError):
        alice_service.state = ServiceState.OFF


@pytest.mark.parametrize("kind", ["local", "cross-border"])
def test_qr_code_is_a_png_of_the_url(kind, alice_service, client):
    client.force_login(alice_service.partner)

    response = client.get(reverse("referrals:link-qr", args=[alice_service.pk, kind]))
    download = client.get(
        reverse("referrals:link-qr", args=[alice_service.pk, kind]) + "?download=1"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.size[0] == image.size[1] >= 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="shop-registration-{kind}.png"'
    )


def test_unknown_link_kind_is_a_404(alice_service, client):
    client.force_login(alice_service.partner)

    response = client.get(reverse("referrals:link-qr", args=[alice_service.pk, "wholesale"]))

    assert response.status_code == 404


def test_seller_types_have_url_slugs():
    assert [kind.slug for kind in SellerType] == ["local", "cross-border"]


def test_deactivate_asks_first_and_the_question_changes_nothing(alice_service, client):
    # given
    client.force_login(alice_service.partner)
    deactivate_url = reverse("referrals:service-deactivate", args=[alice_service.pk])
    detail = client.get(alice_service.get_absolute_url()).text

    # when: the "…" menu links to the question; the question is a page with a form
    page = client.get(deactivate_url)

    # then
    assert f'href="{deactivate_url}"' in detail
    assert f'action="{deactivate_url}"' not in detail
    assert page.status_code == 200
    assert f'<form method="post" action="{deactivate_url}"' in page.text
    assert "publish the service again to reopen the same URLs" in page.text
    alice_service.refresh_from_db()
    assert alice_service.state == ServiceState.ON


def test_confirming_the_question_deactivates(alice_service, client):
    # given
    client.force_login(alice_service.partner)

    # when
    response = client.post(reverse("referrals:service-deactivate", args=[alice_service.pk]))

    # then
    assert response.status_code == 302
    alice_service.refresh_from_db()
    assert alice_service.state == ServiceState.OFF
