"""Issue 11, defect 14: Rotate secret asks first (a page that works without JavaScript) and
the authorization link can be copied. (The authorized shops page: tests/open_api.)"""

from django.urls import reverse

from apps_services import services as app_services
from apps_services.models import App, AppEvent

from .conftest import make_app


def test_rotate_secret_asks_first_and_the_question_changes_nothing(certified_alice, alice_client):
    # given
    app = make_app(certified_alice)
    rotate_url = reverse("apps_services:app-rotate-secret", args=[app.pk])
    detail = alice_client.get(app.get_absolute_url()).text

    # when: the button on the app page is a link to the question, not a form
    page = alice_client.get(rotate_url)

    # then
    assert f'href="{rotate_url}"' in detail
    assert f'action="{rotate_url}"' not in detail
    assert page.status_code == 200
    assert f'<form method="post" action="{rotate_url}"' in page.text
    assert "keeps the current secret working for 24 hours" in page.text
    fresh = App.objects.get(pk=app.pk)
    assert fresh.secret_encrypted == app.secret_encrypted
    assert not fresh.events.filter(kind=AppEvent.Kind.SECRET_ROTATED).exists()


def test_confirming_the_question_rotates_the_secret(certified_alice, alice_client):
    # given
    app = make_app(certified_alice)

    # when
    response = alice_client.post(reverse("apps_services:app-rotate-secret", args=[app.pk]))

    # then
    assert response.status_code == 302
    assert App.objects.get(pk=app.pk).secret_encrypted != app.secret_encrypted


def test_rotate_question_of_a_deactivated_app_goes_back_to_the_app(certified_alice, alice_client):
    # given
    app = make_app(certified_alice)
    app_services.deactivate_app(app_id=app.pk, by=certified_alice)

    # when
    response = alice_client.get(reverse("apps_services:app-rotate-secret", args=[app.pk]))

    # then
    assert response.status_code == 302
    assert response["Location"] == app.get_absolute_url()


def test_published_app_shows_its_authorization_link_whole_with_copy(certified_alice, alice_client):
    # given
    app = app_services.publish_app(app_id=make_app(certified_alice).pk, by=certified_alice)

    # when
    text = alice_client.get(app.get_absolute_url()).text

    # then
    link = f"http://testserver/open/authorize?service_id={app.service_id}"
    assert f">{link}</textarea>" in text
    assert 'data-copy="authorization-url"' in text
    assert "js/copy.js" in text
