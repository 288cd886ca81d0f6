from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from categories.models import Market, ServiceCategory
from onboarding.models import Application

from .models import App, AppType


class SellerVerificationForm(forms.Form):
    login = forms.CharField(
        label=_("Seller Center email or phone number"),
        max_length=254,
        help_text=_("The same email or phone number you log in to Partner Center with."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Seller Center password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def https_url_fields(field, **kwargs):
    # A URL typed without a scheme means https: http is the exception (localhost, in dev).
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class AppForm(forms.ModelForm):
    """Create app & service (SPEC §4.2-4.3). The choices offered are narrowed to what the
    partner applied for; the model's rules (App.check_rules) decide, here and everywhere."""

    class Meta:
        model = App
        formfield_callback = https_url_fields
        fields = (
            "app_type",
            "category",
            "name",
            "logo",
            "market",
            "seller_type",
            "api_enabled",
            "redirect_url",
            "webhook_url",
        )
        widgets = {
            "app_type": forms.RadioSelect,
            "seller_type": forms.RadioSelect,
        }
        help_texts = {
            "name": _("Shown to sellers when they authorize the app."),
            "logo": _("Optional. JPEG, PNG or WebP image."),
            "api_enabled": _("Turn on to call the Open API and receive seller authorizations."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.owner = user
        applications = Application.objects.for_developers().filter(user=user)
        self.fields["category"].queryset = ServiceCategory.objects.filter(
            pk__in=applications.values("category")
        ).select_related("role")
        self.fields["market"].queryset = Market.objects.filter(pk__in=applications.values("market"))
        self.fields["category"].empty_label = None
        if not applications.filter(category__role__publishes_public_apps=True).exists():
            # Public apps are for ISVs only (SPEC §4.2); the model refuses them anyway.
            self.fields["app_type"].choices = [(AppType.CUSTOM, AppType.CUSTOM.label)]
            self.fields["app_type"].help_text = _(
                "Seller in-house developers can create custom apps only."
            )
        else:
            self.fields["app_type"].help_text = _(
                "Custom: built for one seller, distributed by its authorization link. "
                "Public: listed in the App Store after app review."
            )
        self.fields["app_type"].initial = AppType.CUSTOM
        # Radio buttons offer the real choices only: Django's "---------" is not an answer.
        # The seller type has no default; leaving it unpicked is a "required" error.
        for name in ("app_type", "seller_type"):
            field = self.fields[name]
            field.choices = [(value, label) for value, label in field.choices if value != ""]

    def clean(self):
        data = super().clean()
        if not data.get("api_enabled"):
            data["redirect_url"] = data["webhook_url"] = ""
        return data


class AppEditForm(forms.ModelForm):
    class Meta:
        model = App
        formfield_callback = https_url_fields
        fields = App.EDITABLE_FIELDS

    def _update_errors(self, errors):
        # The type, category and market are not on this form; a rule about them is shown on
        # top rather than crashing the form.
        if hasattr(errors, "error_dict"):
            errors = ValidationError(
                {
                    (name if name in self.fields else NON_FIELD_ERRORS): messages
                    for name, messages in errors.error_dict.items()
                }
            )
        super()._update_errors(errors)

    def clean(self):
        data = super().clean()
        if not data.get("api_enabled"):
            data["redirect_url"] = data["webhook_url"] = ""
        return data


class DeactivateForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this app can never be online again."), required=True
    )
