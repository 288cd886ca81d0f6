"""SPEC §6 and §4.7: the Seller Center stand-in pages a seller sees.

Seller Center is another system with its own login: the seller's session lives under its own
session key (SESSION_KEY), never in Django auth, so being logged in to Partner Center and to
Seller Center in one browser are independent. Seller data comes through sellers.directory;
the authorization itself is apps_services' business (services.authorize_app).
"""

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps_services import services as app_services
from apps_services.models import SCOPES, App, AppState, Authorization
from partner_center.throttle import FailedLogins

from .directory import get_directory
from .forms import SellerLoginForm

SESSION_KEY = "seller_center_account"


TOO_MANY_WRONG_PASSWORDS = gettext_lazy("Too many wrong passwords. Try again in a few minutes.")


def current_seller(request) -> dict | None:
    """{"id", "name", "region", "login"} of the seller logged in to the stand-in, or None."""
    return request.session.get(SESSION_KEY)


def _login_redirect(request):
    return redirect(f"{reverse('sellers:login')}?{urlencode({'next': request.get_full_path()})}")


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
            request.session.cycle_key()  # a new session id at every login
            request.session[SESSION_KEY] = {
                "id": account.id,
                "name": account.name,
                "region": account.region,
                "login": account.email or account.phone,
            }
            return redirect(next_url or "sellers:authorization-list")
    return render(request, "sellers/login.html", {"form": form, "next": next_url})


@require_http_methods(["POST"])
def seller_logout(request):
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("You are logged out of Seller Center."))
    return redirect("sellers:login")


def _callback(url: str, **params) -> str:
    """`url` with `params` added to its query (a None value is left out)."""
    parts = urlsplit(url)
    extra = urlencode([(key, value) for key, value in params.items() if value is not None])
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def _developer_name(app: App) -> str:
    entity = getattr(app.owner, "company_entity", None)
    return (entity and (entity.partner_name or entity.legal_name)) or _("Unnamed developer")


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request):
    """GET /open/authorize?service_id=…&state=…: the consent page (SPEC §4.7).

    Authorize → Redirect URL ?code=…&state=…; Deny → ?code=null&error=auth_denied&state=….
    An app that cannot be authorized gets a clear page here, never a redirect.
    """
    service_id = request.GET.get("service_id", "")
    state = request.GET.get("state") or None
    app = (
        App.objects.select_related("category__role", "owner", "market")
        .filter(service_id=service_id)
        .first()
        if service_id
        else None
    )
    if app is None:
        context = {
            "title": _("Link not valid"),
            "message": _("This authorization link is not valid."),
        }
        return render(request, "sellers/authorize_refused.html", context, status=404)
    refusal = app.authorization_refusal()
    if refusal:
        context = {"title": _("Authorization unavailable"), "message": refusal, "app": app}
        return render(request, "sellers/authorize_refused.html", context, status=403)
    seller = current_seller(request)
    if seller is None:
        return _login_redirect(request)

    failure = app_services.authorization_refusal(
        app=app, seller_account_id=seller["id"], shop_id=None
    )
    if failure:
        context = {"title": _("Authorization failed"), "message": failure, "app": app}
        return render(request, "sellers/authorize_refused.html", context, status=403)
    shops = [
        shop
        for shop in get_directory().list_shops(seller["id"])
        if not app.is_seller_developer_app
        or app_services.authorization_refusal(
            app=app, seller_account_id=seller["id"], shop_id=shop.shop_id
        )
        is None
    ]

    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision == "deny":
            return redirect(
                _callback(app.redirect_url, code="null", error="auth_denied", state=state)
            )
        if decision == "authorize":
            try:
                code = app_services.authorize_app(
                    app_id=app.pk,
                    seller_account_id=seller["id"],
                    seller_name=seller["name"],
                    seller_region=seller["region"],
                    shop_id=request.POST.get("shop_id", ""),
                )
            except app_services.AuthorizationRefused as exc:
                context = {"title": _("Authorization failed"), "message": str(exc), "app": app}
                return render(request, "sellers/authorize_refused.html", context, status=403)
            return redirect(_callback(app.redirect_url, code=code, state=state))

    context = {
        "app": app,
        "developer": _developer_name(app),
        "scopes": list(SCOPES.values()),
        "shops": shops,
        "seller": seller,
    }
    return render(request, "sellers/consent.html", context)


@require_http_methods(["GET"])
def app_logo(request, service_id):
    """A published app's logo, shown to sellers on the consent page (public by nature)."""
    app = get_object_or_404(App, service_id=service_id, state=AppState.PUBLISHED)
    if not app.logo or not app.logo.storage.exists(app.logo.name):
        raise Http404
    response = FileResponse(app.logo.open("rb"))
    response["Cache-Control"] = "public, max-age=300"
    return response


@never_cache
@require_http_methods(["GET"])
def authorization_list(request):
    """SPEC §4.9: the seller's authorizations, across their shops."""
    seller = current_seller(request)
    if seller is None:
        return _login_redirect(request)
    authorizations = Authorization.objects.of_seller(seller["id"]).select_related("app")
    return render(
        request,
        "sellers/authorization_list.html",
        {"seller": seller, "authorizations": authorizations},
    )


@require_http_methods(["POST"])
def authorization_revoke(request, authorization_id):
    """The seller revokes an app's access; the developer gets a type 6 webhook."""
    seller = current_seller(request)
    if seller is None:
        return _login_redirect(request)
    # Another seller's authorization is a 404: its existence is not theirs to know.
    authorization = get_object_or_404(
        Authorization.objects.of_seller(seller["id"]), pk=authorization_id
    )
    if app_services.revoke_as_seller(
        authorization_id=authorization.pk, seller_account_id=seller["id"]
    ):
        messages.success(
            request,
            _("%(app)s can no longer access %(shop)s.")
            % {"app": authorization.app.name, "shop": authorization.shop_name},
        )
    else:
        messages.info(request, _("This authorization had already ended."))
    return redirect("sellers:authorization-list")
