"""SPEC §6: the Seller Center stand-in's own login.

Seller Center is another system with its own login: the seller's session lives under its own
session key (SESSION_KEY), never in Django auth, so being logged in to Partner Center and to
Seller Center in one browser are independent. Seller data comes through sellers.directory;
the consent page and the seller's authorizations are the Open API's (open_api.views).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from partner_center.throttle import FailedLogins

from .directory import SellerAccountInfo, get_directory
from .forms import SellerLoginForm

SESSION_KEY = "seller_center_account"


TOO_MANY_WRONG_PASSWORDS = gettext_lazy("Too many wrong passwords. Try again in a few minutes.")


def current_seller(request) -> dict | None:
    """{"id", "name", "region", "login", "test_owner_id"} of the seller logged in to the
    stand-in, or None. `test_owner_id`: the developer account whose sandbox test account
    this is, None for a real seller."""
    return request.session.get(SESSION_KEY)


def sign_in(request, account: SellerAccountInfo) -> None:
    """Log `account` in to the stand-in, in this browser's session."""
    request.session.cycle_key()  # a new session id at every login
    request.session[SESSION_KEY] = {
        "id": account.id,
        "name": account.name,
        "region": account.region,
        "login": account.email or account.phone,
        "test_owner_id": account.test_owner_id,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def seller_login(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = SellerLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login = form.cleaned_data["login"].strip()
        # Wrong passwords count per IP and per (IP, login): a guesser elsewhere cannot lock
        # the seller out, and one IP cannot spray passwords over many sellers.
        failed = FailedLogins(request, scope="seller-login", login=login, per_ip_account=True)
        directory = get_directory()
        account = None
        if failed.blocked().limited:
            form.add_error(None, TOO_MANY_WRONG_PASSWORDS)
        else:
            account = directory.find_account(login)
            if account is None or not directory.check_password(
                account.id, form.cleaned_data["password"]
            ):
                account = None
                throttled = failed.record_failure().limited
                form.add_error(
                    None,
                    TOO_MANY_WRONG_PASSWORDS
                    if throttled
                    else _("The login or the password is incorrect."),
                )
        if account is not None:
            sign_in(request, account)
            # The stand-in's home is the seller's authorizations page (open_api.views).
            return redirect(next_url or "open_api:authorization-list")
    return render(request, "sellers/login.html", {"form": form, "next": next_url})


@require_http_methods(["POST"])
def seller_logout(request):
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("You are logged out of Seller Center."))
    return redirect("sellers:login")
