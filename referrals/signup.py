"""SPEC §5.5 / §6: the Seller Center stand-in's pages a shop registration link leads to.

A shop registration link redirects here (still under seller/) with ``?ref=<token>``: the
verification page with its "Start selling" prompt, then the sign-up form. The seller is
created through `sellers.directory` like any other Seller Center account, and the sign-up is
credited to the partner whose link brought the seller (`services.attribute_signup`). The
orchestration lives here, in referrals, so Seller Center (sellers) knows nothing of referrals.
"""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import allowed_when_blacklisted
from sellers.directory import SellerAlreadyExists, get_directory
from sellers.forms import SellerSignupForm
from sellers.models import SellerType

from . import services as referrals


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


@allowed_when_blacklisted
@require_http_methods(["GET"])
def referral_start(request):
    """The verification page with the "Start selling" prompt (SPEC §5.5)."""
    referral = _referral(request.GET.get("ref", ""))
    return render(request, "referrals/seller_start.html", {"referral": referral})


@allowed_when_blacklisted
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
            return redirect("referrals:seller-welcome")
    context = {"form": form, "referral": referral}
    return render(request, "referrals/seller_signup.html", context)


@allowed_when_blacklisted
@require_http_methods(["GET"])
def referral_welcome(request):
    return render(request, "referrals/seller_welcome.html")
