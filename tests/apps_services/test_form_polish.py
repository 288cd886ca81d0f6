"""Create app & service offers real choices only, and the app's history shows a change of
status only when there was one."""

import re

from django.urls import reverse

from .conftest import make_app, make_developer
from .test_create import form_data


def radio_values(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]*)"', page)


def test_create_app_offers_no_empty_radio_choice(alice, alice_client):
    # given
    make_developer(alice)

    # when
    page = alice_client.get(reverse("apps_services:app-create")).content.decode()

    # then
    assert not re.search(r'type="radio"[^>]*value=""', page)
    assert radio_values(page, "app_type") == ["custom", "public"]
    assert radio_values(page, "seller_type") == ["local", "cross_border"]
    assert re.search(r'name="app_type" value="custom"[^>]*checked', page)
    assert not re.search(r'name="seller_type" value="[^"]*"[^>]*checked', page)


def test_a_seller_type_left_unpicked_is_a_required_error(alice, alice_client):
    # given
    make_developer(alice)

    # when
    response = alice_client.post(reverse("apps_services:app-create"), form_data(seller_type=None))

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="id_seller_type_error">\s*<p class="error">This field is required', page)
    assert radio_values(page, "seller_type") == ["local", "cross_border"]


def test_create_app_marks_required_fields_and_explains_the_marker(alice, alice_client):
    # given
    make_developer(alice)

    # when
    page = alice_client.get(reverse("apps_services:app-create")).content.decode()

    # then
    assert 'class="required-legend"' in page
    name_field = re.search(r'<div class="field([^"]*)">\s*<label for="id_name"', page)
    assert name_field is not None
    assert "field-required" in name_field.group(1)


def test_history_of_a_new_app_shows_its_status_without_a_no_change_arrow(alice, alice_client):
    # given
    make_developer(alice)
    app = make_app(alice)

    # when
    page = alice_client.get(app.get_absolute_url()).content.decode()

    # then
    history = page[page.index("History") :]
    assert "Not published" in history
    assert "Not published → Not published" not in history
