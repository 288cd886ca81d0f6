"""SPEC §5.5 / §6: the Seller Center stand-in's pages a referral link leads to.

A shop registration link (referrals) redirects here with ``?ref=<token>``: the verification
page with its "Start selling" prompt, then the sign-up form. The seller is created through
`sellers.directory` like any other Seller Center account, and the sign-up is credited to the
partner whose link brought the seller (`referrals.services.attribute_signup`).
"""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from phonenumber_field.formfields import PhoneNumberField

from referrals import services as referrals

from .directory import SellerAlreadyExists, get_directory
from .models import SellerType


class SellerSignupForm(forms.Form):
    ref = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    phone = PhoneNumberField(
        label=gettext_lazy("Phone number (optional)"),
        required=False,
        help_text=gettext_lazy("In international format, e.g. +12025550123."),
    )
    name = forms.CharField(label=gettext_lazy("Business name"), max_length=120)
    # Where a seller's business is based (two-letter codes, as Seller Center stores them);
    # the choices are the caller's: Seller Center has no list of its own.
    region = forms.ChoiceField(label=gettext_lazy("Where is your business based?"))
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


def _referral(token: str) -> dict:
    """What the pages say about the partner's link, or {} for no (or no longer) active link."""
    link = referrals.active_link(token)
    if link is None:
        return {}
    return {
        "ref": link.token,
        "partner_name": link.service.partner_display_name,
        "market": link.service.market,
        "cross_border": link.seller_type == SellerType.CROSS_BORDER,
    }


@require_http_methods(["GET"])
def referral_start(request):
    """The verification page with the "Start selling" prompt (SPEC §5.5)."""
    referral = _referral(request.GET.get("ref", ""))
    return render(request, "sellers/referral_start.html", {"referral": referral})


@require_http_methods(["GET", "POST"])
def referral_signup(request):
    referral = _referral(request.POST.get("ref") or request.GET.get("ref", ""))
    initial = {"ref": referral.get("ref", "")}
    if referral and not referral["cross_border"]:
        initial["region"] = referral["market"].code
    form = SellerSignupForm(
        request.POST or None, initial=initial, regions=referrals.signup_regions()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = get_directory().create_seller(
                email=data["email"],
                phone=data["phone"].as_e164 if data["phone"] else None,
                password=data["password"],
                name=data["name"],
                region=data["region"],
            )
        except SellerAlreadyExists:
            form.add_error(
                None,
                _("This email or phone number already has a Seller Center account. Log in."),
            )
        else:
            # The link is checked again here: a service deactivated meanwhile attributes nothing.
            referrals.attribute_signup(token=data["ref"], seller_account_id=account.id)
            return redirect("sellers:referral-welcome")
    context = {"form": form, "referral": referral}
    return render(request, "sellers/referral_signup.html", context)


@require_http_methods(["GET"])
def referral_welcome(request):
    return render(request, "sellers/referral_welcome.html")
