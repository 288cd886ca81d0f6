"""The shared form partials (_field.html, _form_errors.html) wire labels, help and errors
to their fields, so screen readers announce them and the error summary leads to each field."""

import re

from django import forms
from django.template.loader import render_to_string


class ContactForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As on your ID.")
    channel = forms.ChoiceField(
        label="Send the code to",
        choices=[("email", "Email"), ("phone", "Phone")],
        widget=forms.RadioSelect,
        help_text="Where the code goes.",
    )
    agree = forms.BooleanField(label="I agree")


def render_fields(form) -> str:
    return "".join(render_to_string("_field.html", {"field": field}) for field in form)


def test_an_invalid_field_is_described_by_its_help_and_its_errors():
    # given
    form = ContactForm(data={})

    # when
    html = render_fields(form)

    # then: every id the inputs point at exists, once
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described
    for ids in described:
        for id_ in ids.split():
            assert html.count(f'id="{id_}"') == 1, id_
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html


def test_radio_buttons_are_a_fieldset_named_by_its_legend():
    html = render_fields(ContactForm(data={}))

    fieldset = re.search(r"<fieldset[^>]*>(.*?)</fieldset>", html, re.S)
    assert fieldset is not None
    assert 'aria-describedby="id_channel_helptext id_channel_error"' in fieldset.group(0)
    assert "<legend>Send the code to:</legend>" in fieldset.group(1)
    # No <label> left without a control: every label in the page points at one.
    assert re.search(r"<label(?![^>]*\bfor=)", html) is None


def test_the_error_summary_links_each_error_to_its_field():
    # given
    form = ContactForm(data={})
    fields = render_fields(form)

    # when
    summary = render_to_string("_form_errors.html", {"form": form})

    # then
    targets = re.findall(r'<a href="#([^"]+)">', summary)
    assert targets == ["id_name", "id_channel_0", "id_agree"]
    for target in targets:
        assert f'id="{target}"' in fields


def test_a_valid_form_shows_no_error_summary():
    form = ContactForm(data={"name": "Ann", "channel": "email", "agree": "on"})

    assert form.is_valid()
    assert render_to_string("_form_errors.html", {"form": form}).strip() == ""
