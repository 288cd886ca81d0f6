from typing import cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from categories.models import Market

from .models import KycStatus, SellerAccount, SellerType

CSV_COLUMNS = [
    "email",
    "phone",
    "password",
    "name",
    "kyc_status",
    "region",
    "shop_id",
    "shop_name",
    "shop_region",
    "seller_type",
]


class SellerAccountAdminForm(forms.ModelForm):
    """The password is typed in plain and stored hashed; the hash itself is never shown."""

    new_password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored hashed. Leave blank to keep the current password."),
    )

    class Meta:
        model = SellerAccount
        fields = ["email", "phone", "new_password", "name", "region", "kyc_status"]

    def clean_email(self):
        email = self.cleaned_data.get("email")
        return email.strip().lower() if email else None

    def clean_region(self):
        return self.cleaned_data["region"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError(_("A seller account needs a login email or phone."))
        if not self.instance.pk and not cleaned.get("new_password"):
            self.add_error("new_password", _("A new seller account needs a password."))
        return cleaned

    def save(self, commit=True):
        if self.cleaned_data.get("new_password"):
            self.instance.set_password(self.cleaned_data["new_password"])
        return super().save(commit=commit)


class SellerRowForm(forms.Form):
    """One row of an `import_sellers` CSV file. Blank account fields keep the current value."""

    email = forms.EmailField(required=False, max_length=254)
    phone = PhoneNumberField(required=False)
    password = forms.CharField(required=False, strip=False, max_length=128)
    name = forms.CharField(required=False, max_length=120)
    kyc_status = forms.ChoiceField(required=False, choices=KycStatus.choices)
    region = forms.RegexField(
        required=False,
        regex=r"^[A-Z]{2}$",
        error_messages={"invalid": _("Use a two-letter region code, e.g. US.")},
    )
    shop_id = forms.CharField(required=False, max_length=32)
    shop_name = forms.CharField(required=False, max_length=120)
    shop_region = forms.ChoiceField(required=False, choices=())
    seller_type = forms.ChoiceField(required=False, choices=SellerType.shop_choices())

    def __init__(self, data: dict, **kwargs):
        # Codes are matched case-insensitively; the stored forms are pending / US / LOCAL.
        data = {key: (value or "").strip() for key, value in data.items()}
        for key in ("region", "shop_region", "seller_type"):
            data[key] = data.get(key, "").upper().replace("-", "_")
        data["kyc_status"] = data.get("kyc_status", "").lower()
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["shop_region"]).choices = [
            (code, code) for code in Market.objects.values_list("code", flat=True)
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError(_("email or phone is required"))
        if cleaned.get("shop_id"):
            for field in ("shop_name", "shop_region", "seller_type"):
                if field not in self.errors and not cleaned.get(field):
                    self.add_error(field, _("required when shop_id is given"))
        return cleaned

    def reason(self) -> str:
        """All errors on one line, each prefixed with its column."""
        parts: list[str] = []
        for field, errors in self.errors.items():
            prefix = "" if field == NON_FIELD_ERRORS else f"{field}: "
            parts.extend(f"{prefix}{error}" for error in errors)
        return "; ".join(parts)


class SellerLoginForm(forms.Form):
    """The Seller Center stand-in's own login (SPEC §6), apart from Partner Center's."""

    login = forms.CharField(label=_("Email or phone number"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
