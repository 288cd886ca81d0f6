from django import forms
from django.utils.translation import gettext_lazy as _

from open_api.sandbox import NAME_MAX_LENGTH


class TestShopForm(forms.Form):
    name = forms.CharField(
        label=_("Test shop name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("Only you see it, on your pages and in the Seller Center stand-in."),
    )
