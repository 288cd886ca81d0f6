"""The Open API's pages (SPEC §4.7-4.9): the consent page and the seller's authorizations
in the Seller Center stand-in, and the developer's authorized shops and webhook log.

The seller's session is the stand-in's own (`sellers.views.current_seller`), never Django
auth; seller data comes through sellers.directory.
"""

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import allowed_when_blacklisted
from accounts.permissions import Module, module_required
from apps_services.models import App, AppState
from apps_services.views import app_permissions
from onboarding.uploads import serve_document
from sellers.directory import get_directory
from sellers.views import current_seller

from . import services
from .forms import WebhookTopicsForm
from .models import AppScope, Authorization, Scope, WebhookDelivery, WebhookSubscription
from .models.webhooks import TOPIC_HELP


def _login_redirect(request):
    return redirect(f"{reverse('sellers:login')}?{urlencode({'next': request.get_full_path()})}")


# --- The seller's side: consent and authorizations in the Seller Center stand-in ---------


def _callback(url: str, **params) -> str:
    """`url` with `params` added to its query (a None value is left out)."""
    parts = urlsplit(url)
    extra = urlencode([(key, value) for key, value in params.items() if value is not None])
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def _developer_name(app: App) -> str:
    entity = getattr(app.owner, "company_entity", None)
    return (entity and (entity.partner_name or entity.legal_name)) or _("Unnamed developer")


@allowed_when_blacklisted
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
        return render(request, "open_api/authorize_refused.html", context, status=404)
    seller = current_seller(request)
    # The developer's own test account may try the app before it is published (SPEC §9.1);
    # authorization_refusal below asks Seller Center again.
    sandbox = seller is not None and seller.get("test_owner_id") == app.owner_id
    refusal = services.app_refusal(app, sandbox=sandbox)
    if refusal:
        context = {"title": _("Authorization unavailable"), "message": refusal, "app": app}
        return render(request, "open_api/authorize_refused.html", context, status=403)
    if seller is None:
        return _login_redirect(request)

    failure = services.authorization_refusal(app=app, seller_account_id=seller["id"], shop_id=None)
    if failure:
        context = {"title": _("Authorization failed"), "message": failure, "app": app}
        return render(request, "open_api/authorize_refused.html", context, status=403)
    shops = [
        shop
        for shop in get_directory().list_shops(seller["id"])
        if not app.is_seller_developer_app
        or services.authorization_refusal(
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
                code = services.authorize_app(
                    app_id=app.pk,
                    seller_account_id=seller["id"],
                    seller_name=seller["name"],
                    seller_region=seller["region"],
                    shop_id=request.POST.get("shop_id", ""),
                )
            except services.AuthorizationRefused as exc:
                context = {"title": _("Authorization failed"), "message": str(exc), "app": app}
                return render(request, "open_api/authorize_refused.html", context, status=403)
            return redirect(_callback(app.redirect_url, code=code, state=state))

    context = {
        "app": app,
        "developer": _developer_name(app),
        # Exactly what authorize_app stores as the grant: the scopes the app holds now.
        "scopes": Scope.objects.filter(key__in=AppScope.objects.granted_keys(app.pk)).order_by(
            "position", "key"
        ),
        "shops": shops,
        "seller": seller,
    }
    return render(request, "open_api/consent.html", context)


@allowed_when_blacklisted
@require_http_methods(["GET"])
def app_logo(request, service_id):
    """A published app's logo, shown to sellers on the consent page (public by nature)."""
    app = get_object_or_404(App, service_id=service_id, state=AppState.PUBLISHED)
    if not app.logo:
        raise Http404
    return serve_document(app.logo.name, cache_control="public, max-age=300")


@allowed_when_blacklisted
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
        "open_api/authorization_list.html",
        {"seller": seller, "authorizations": authorizations},
    )


@allowed_when_blacklisted
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
    if services.revoke_as_seller(authorization_id=authorization.pk, seller_account_id=seller["id"]):
        messages.success(
            request,
            _("%(app)s can no longer access %(shop)s.")
            % {"app": authorization.app.name, "shop": authorization.shop_name},
        )
    else:
        messages.info(request, _("This authorization had already ended."))
    return redirect("open_api:authorization-list")


# --- The developer's side: authorized shops and the webhook log ---------------------------


def _owned_app(request, pk) -> App:
    """Another partner's app is a 404, never a 403: its existence is not theirs to know. A
    team member reaches the apps of the account they work for (SPEC §8.1)."""
    return get_object_or_404(
        App.objects.select_related("category", "category__role", "market"),
        pk=pk,
        owner=request.user.holder,
    )


@login_required
@module_required(Module.AUTHORIZATIONS)
@require_http_methods(["GET"])
def app_authorizations(request, pk):
    """The shops that authorized the app, with expiry, and Deauthorize."""
    app = _owned_app(request, pk)
    authorizations = list(app.authorizations.order_by("revoked_at", "-authorized_at"))
    # Scopes: what each shop granted against what the app holds now; a shop missing any
    # must consent again (the authorization link asks for the app's scopes as they are).
    required = AppScope.objects.granted_keys(app.pk)
    for authorization in authorizations:
        granted = authorization.granted_scopes or []
        authorization.missing_scopes = [key for key in required if key not in granted]
    reconsent = [a for a in authorizations if a.is_active and a.missing_scopes]
    # The developer's sandbox test shops are marked TEST (SPEC §9.1).
    test_accounts = {t.account_id for t in get_directory().list_test_shops(app.owner_id)}
    context = {
        "app": app,
        "authorizations": authorizations,
        "test_accounts": test_accounts,
        "required_scopes": required,
        "reconsent": reconsent,
        "authorization_url": request.build_absolute_uri(app.authorization_path()),
        "may": app_permissions(request.user),
    }
    return render(request, "open_api/app_authorizations.html", context)


@login_required
@module_required(Module.AUTHORIZATIONS)
@require_http_methods(["POST"])
def app_deauthorize(request, pk, authorization_id):
    app = _owned_app(request, pk)
    authorization = get_object_or_404(app.authorizations, pk=authorization_id)
    if services.deauthorize_from_portal(
        app_id=app.pk, authorization_id=authorization.pk, by=request.user
    ):
        messages.success(
            request,
            _("%(shop)s is deauthorized; its tokens are revoked.")
            % {"shop": authorization.shop_name},
        )
    else:
        messages.info(request, _("This authorization had already ended."))
    return redirect("open_api:app-authorizations", pk=app.pk)


WEBHOOK_LOG_PAGE_SIZE = 20


def _log_filter(request, name: str, choices) -> str:
    """The value of filter `name` when it is one of `choices`; a bad one is ignored, said."""
    value = request.GET.get(name, "")
    if value and value not in {str(choice) for choice, _label in choices}:
        messages.warning(request, _("Unknown filter value ignored: %(value)s") % {"value": value})
        return ""
    return value


def _page_number(value: str) -> int:
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    return int(value) if value.isdecimal() and 0 < int(value) < 10**6 else 1


@login_required
@module_required(Module.WEBHOOKS)
@require_http_methods(["GET"])
def app_webhooks(request, pk):
    """The webhook delivery log, filtered by topic and status, a page at a time: every
    attempt, with Redeliver and Send test event."""
    app = _owned_app(request, pk)
    topic = _log_filter(request, "topic", WebhookDelivery.EventType.choices)
    state = _log_filter(request, "status", WebhookDelivery.State.choices)
    deliveries = app.webhook_deliveries.prefetch_related("attempt_log")
    if topic:
        deliveries = deliveries.filter(event_type=int(topic))
    if state:
        deliveries = deliveries.filter(state=state)
    # One row past the page says whether an older page exists, without a COUNT(*).
    number = _page_number(request.GET.get("page", ""))
    start = (number - 1) * WEBHOOK_LOG_PAGE_SIZE
    rows = list(deliveries[start : start + WEBHOOK_LOG_PAGE_SIZE + 1])
    return render(
        request,
        "open_api/app_webhooks.html",
        {
            "app": app,
            "deliveries": rows[:WEBHOOK_LOG_PAGE_SIZE],
            "page_number": number,
            "newer_page": number - 1 if number > 1 else None,
            "older_page": number + 1 if len(rows) > WEBHOOK_LOG_PAGE_SIZE else None,
            "topic": topic,
            "status": state,
            "event_types": WebhookDelivery.EventType.choices,
            "states": WebhookDelivery.State.choices,
            "may": app_permissions(request.user),
        },
    )


@login_required
@module_required(Module.WEBHOOKS)
@require_http_methods(["GET", "POST"])
def app_webhook_topics(request, pk):
    """The topics the app's Webhook URL receives, each with what it means (SPEC §9.6)."""
    app = _owned_app(request, pk)
    current = sorted(WebhookSubscription.objects.topics_of(app))
    # An empty POST (every box unticked) is still a submission.
    data = request.POST if request.method == "POST" else None
    form = WebhookTopicsForm(data, initial={"topics": current})
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.set_webhook_topics(
                app_id=app.pk, by=request.user, topics=form.cleaned_data["topics"]
            )
        except services.WebhookRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Topics saved.") if changed else _("Nothing changed."))
        return redirect("open_api:app-webhook-topics", pk=app.pk)
    topics = [
        {"value": value, "label": label, "help": TOPIC_HELP.get(value, "")}
        for value, label in WebhookDelivery.EventType.choices
    ]
    return render(
        request,
        "open_api/app_webhook_topics.html",
        {
            "app": app,
            "form": form,
            "topics": topics,
            "subscribed": current,
            "may": app_permissions(request.user),
        },
    )


@login_required
@module_required(Module.WEBHOOKS)
@require_http_methods(["POST"])
def app_webhook_test(request, pk):
    app = _owned_app(request, pk)
    try:
        event_type = int(request.POST.get("event_type", ""))
        WebhookDelivery.EventType(event_type)
    except ValueError:
        messages.error(request, _("Choose an event type."))
        return redirect("open_api:app-webhooks", pk=app.pk)
    try:
        services.send_test_webhook(app_id=app.pk, by=request.user, event_type=event_type)
    except services.WebhookRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Test event queued. Its attempts appear below."))
    return redirect("open_api:app-webhooks", pk=app.pk)


@login_required
@module_required(Module.WEBHOOKS)
@require_http_methods(["POST"])
def app_webhook_redeliver(request, pk, delivery_id):
    app = _owned_app(request, pk)
    delivery = get_object_or_404(app.webhook_deliveries, pk=delivery_id)
    try:
        services.redeliver_webhook(app_id=app.pk, delivery_id=delivery.pk, by=request.user)
    except services.WebhookRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Redelivery queued."))
    return redirect("open_api:app-webhooks", pk=app.pk)
