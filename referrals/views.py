import io

import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from qrcode.image.pil import PilImage

from accounts.permissions import Access, Module, may, module_required
from sellers.models import SellerType

from . import analytics, services, tracking
from .forms import ServiceForm
from .models import ReferralLink, ServiceState, ShopRegistrationService


def _owned_service(request, pk) -> ShopRegistrationService:
    """Another partner's service is a 404, never a 403: its existence is not theirs to know.
    A team member reaches the services of the account they work for (SPEC §8.1)."""
    return get_object_or_404(
        ShopRegistrationService.objects.select_related("category", "market"),
        pk=pk,
        partner=request.user.holder,
    )


def link_url(request, link: ReferralLink) -> str:
    """The URL a partner hands out: on REFERRAL_LINK_BASE_URL, or on the portal's host."""
    path = link.get_absolute_url()
    base = settings.REFERRAL_LINK_BASE_URL
    return base + path if base else request.build_absolute_uri(path)


@login_required
@module_required(Module.SHOP_REGISTRATION)
@require_http_methods(["GET"])
def service_list(request):
    owner = request.user.holder
    context = {
        "services": ShopRegistrationService.objects.owned_by(owner).select_related(
            "category", "market"
        ),
        "can_create": services.can_create_service(owner),
        "can_manage": may(request.user, Module.SHOP_REGISTRATION, Access.MANAGE),
    }
    return render(request, "referrals/service_list.html", context)


@login_required
@module_required(Module.SHOP_REGISTRATION)
@require_http_methods(["GET", "POST"])
def service_create(request):
    """SPEC §5.1-5.2: only a partner approved for Shop registration gets the form."""
    owner = request.user.holder
    if not services.can_create_service(owner):
        return render(request, "referrals/service_apply_first.html", status=403)
    form = ServiceForm(request.POST or None, user=owner)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.create_service(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Service created. Publish it to get your referral URLs."))
            return redirect(service)
    return render(request, "referrals/service_create.html", {"form": form})


@login_required
@module_required(Module.SHOP_REGISTRATION)
@require_http_methods(["GET"])
def service_detail(request, pk):
    service = _owned_service(request, pk)
    links = list(service.links.order_by("-seller_type"))  # local first
    context = {
        "service": service,
        "links": [(link, link_url(request, link)) for link in links],
        # The publish confirmation is a page state, not a script: it works without JS.
        "confirm_publish": request.GET.get("confirm") == "publish"
        and service.state != ServiceState.ON,
        "events": service.events.select_related("by")[:20],
        "can_manage": may(request.user, Module.SHOP_REGISTRATION, Access.MANAGE),
    }
    return render(request, "referrals/service_detail.html", context)


@login_required
@module_required(Module.SHOP_REGISTRATION)
@require_http_methods(["POST"])
def service_publish(request, pk):
    service = _owned_service(request, pk)
    try:
        services.publish_service(service_id=service.pk, by=request.user)
    except services.ServiceActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Published in %(market)s. Share the URLs below with sellers.")
            % {"market": service.market.display_name},
        )
    return redirect(service)


@login_required
@module_required(Module.SHOP_REGISTRATION)
@require_http_methods(["GET", "POST"])
def service_deactivate(request, pk):
    """SPEC §5.4, behind a page that says what happens: sellers holding the URLs are turned
    away until the service is published again. Only the page's form deactivates."""
    service = _owned_service(request, pk)
    if request.method == "GET":
        if service.state != ServiceState.ON:
            messages.info(request, _("This service is not on."))
            return redirect(service)
        return render(request, "referrals/service_deactivate.html", {"service": service})
    try:
        services.deactivate_service(service_id=service.pk, by=request.user)
    except services.ServiceActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Deactivated. Sellers opening your URLs now see “not available”; publish "
                "again to reopen them (the URLs stay the same)."
            ),
        )
    return redirect(service)


@login_required
@module_required(Module.SHOP_REGISTRATION)
@require_http_methods(["GET"])
def service_links(request, pk):
    """SPEC §5.6: link management — clicks, sign-ups, conversion over the last 30 days."""
    service = _owned_service(request, pk)
    days, stats = analytics.service_stats(service)
    context = {
        "service": service,
        "rows": analytics.daily_rows(days, stats),
        "stats": [(s, link_url(request, s.link)) for s in stats],
        "chart": analytics.activity_chart(days, stats),
        "pending": sum(tracking.pending_clicks([s.link.pk for s in stats]).values()),
        "flush_seconds": settings.CELERY_BEAT_SCHEDULE["referrals-flush-clicks"]["schedule"],
        "uses_redis": tracking.uses_redis(),
    }
    return render(request, "referrals/service_links.html", context)


@login_required
@module_required(Module.SHOP_REGISTRATION)
@require_http_methods(["GET"])
def link_qr(request, pk, kind):
    """The link as a QR code (PNG, made here: no third-party service sees the URL)."""
    service = _owned_service(request, pk)
    seller_type = SellerType.from_slug(kind)
    if seller_type is None:
        raise Http404
    link = get_object_or_404(ReferralLink, service=service, seller_type=seller_type)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(link_url(request, link))
    out = io.BytesIO()
    code.make_image(image_factory=PilImage).save(out, format="PNG")
    response = HttpResponse(out.getvalue(), content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="shop-registration-{kind}.png"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the public link --------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def link_redirect(request, token):
    """SPEC §5.5: send the seller to Seller Center's "Start selling" page, carrying the token.

    The rule is tracking.follow, shared with the WSGI fast path (referrals/fastpath.py),
    which answers an active link's GET and HEAD before Django and hands everything else —
    this page included — to the full stack. In Redis mode one Lua call resolves the token
    and counts the click, so a click costs the database nothing. A HEAD (link previews,
    uptime checks) is answered but not counted.
    """
    link_id, is_on = tracking.follow(token, count=request.method == "GET")
    if not is_on:
        status = 410 if link_id else 404
        return render(request, "referrals/link_not_available.html", status=status)
    response = HttpResponseRedirect(tracking.landing_location(token))
    # Every click must reach us to be counted: no browser or proxy may replay the redirect.
    response["Cache-Control"] = "no-store"
    return response
