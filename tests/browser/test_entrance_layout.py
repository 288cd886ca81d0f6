"""The login form's "Remember Me" checkbox sits on one line with its label."""

import pytest

pytestmark = pytest.mark.browser


def test_remember_me_checkbox_and_label_share_one_line(page, shoot, db):
    # when
    page.goto("/account/login/")
    box = page.locator("#id_remember").bounding_box()
    label = page.locator("label[for=id_remember]").bounding_box()
    shoot(page, "login")

    # then: vertically centred on each other, the label to the right of the box
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 6
    assert label["x"] > box["x"] + box["width"]
    assert page.locator("label[for=id_remember]").inner_text() == "Remember Me"
