from typing import cast

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .models import KycStatus, SellerAccount, SellerType, is_test_login

# The markets Seller Center opens shops in (two-letter codes, as it stores them). Seller
# Center is another system with its own list; tests/sellers checks it matches the catalog's.
SHOP_REGIONS = ["US", "UK", "MY", "VN", "TH", "PH", "SG", "ES", "DE", "FR", "IT", "JP"]

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
            (code, code) for code in SHOP_REGIONS
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


class SellerSignupForm(forms.Form):
    """Seller Center's sign-up form. Where a seller's business may be based (two-letter
    codes, as Seller Center stores them) is the caller's to say: `regions` choices."""

    ref = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    email = forms.EmailField(label=_("Email"), max_length=254)
    phone = PhoneNumberField(
        label=_("Phone number (optional)"),
        required=False,
        help_text=_("In international format, e.g. +12025550123."),
    )
    name = forms.CharField(label=_("Business name"), max_length=120)
    region = forms.ChoiceField(label=_("Where is your business based?"))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = regions

    def clean_email(self):
        email = self.cleaned_data["email"]
        if is_test_login(email):
            # The sandbox's own domain: a real seller's login is never there.
            raise forms.ValidationError(_("Use your own email address."))
        return email

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password
