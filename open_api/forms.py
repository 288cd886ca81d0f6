"""The Open API's forms: the webhook topics an app subscribes to (SPEC §9.6)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WebhookDelivery


class WebhookTopicsForm(forms.Form):
    topics = forms.TypedMultipleChoiceField(
        label=_("Topics"),
        choices=WebhookDelivery.EventType.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
