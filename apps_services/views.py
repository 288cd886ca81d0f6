from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.permissions import Access, Module, may, module_required
from onboarding.models import Application
from onboarding.roles_cache import request_roles
from onboarding.uploads import serve_document

from . import services
from .forms import AppEditForm, AppForm, DeactivateForm, SellerVerificationForm
from .models import (
    App,
    AppDeactivated,
    AppState,
    SellerBinding,
)
from .services import verify_seller_developer


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET", "POST"])
def seller_verification(request):
    """SPEC §4.6: verify the partner as a TikTok Shop seller developer."""
    binding = SellerBinding.objects.filter(partner=request.user.holder).first()
    posted = request.method == "POST" and binding is None
    form = SellerVerificationForm(request.POST if posted else None)
    # Reached from Get Started (seller in-house developer), it leads back there.
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    if posted and form.is_valid():
        try:
            verify_seller_developer(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your seller account is verified."))
            return redirect(target or "accounts:profile")
    context = {
        "form": form,
        "binding": binding,
        "own_shop": binding.own_shop() if binding else None,
        "next": target,
    }
    return render(request, "apps_services/seller_verification.html", context)


# --- Apps and services (SPEC §4.1-4.5) -----------------------------------------------------


def _owned_app(request, pk) -> App:
    """Another partner's app is a 404, never a 403: its existence is not theirs to know. A
    team member sees the apps of the account they work for (SPEC §8.1)."""
    return get_object_or_404(
        App.objects.select_related("category", "category__role", "market"),
        pk=pk,
        owner=request.user.holder,
    )


def app_permissions(user) -> dict[str, bool]:
    """What the app pages offer `user` (SPEC §8.3): a member sees only the buttons and
    tabs their role lets them use. A main account may everything, without a query."""
    return {
        "manage": may(user, Module.APPS, Access.MANAGE),
        "secrets": may(user, Module.SECRETS, Access.MANAGE),
        "authorizations": may(user, Module.AUTHORIZATIONS),
        "manage_authorizations": may(user, Module.AUTHORIZATIONS, Access.MANAGE),
        "webhooks": may(user, Module.WEBHOOKS),
        "manage_webhooks": may(user, Module.WEBHOOKS, Access.MANAGE),
    }


@login_required
@module_required(Module.APPS)
@require_http_methods(["GET"])
def app_list(request):
    apps = App.objects.owned_by(request.user.holder).select_related("category", "market")
    # Applied for a developer role (SPEC §3.6), as the shell's menu knows it: no query of
    # its own. Only which empty state to show depends on it; creating asks the database.
    is_developer = any(role.is_developer for role in request_roles(request))
    context = {
        "apps": apps,
        "is_developer": is_developer,
        "can_manage": may(request.user, Module.APPS, Access.MANAGE),
        "shows_shop_registration": may(request.user, Module.SHOP_REGISTRATION),
    }
    return render(request, "apps_services/app_list.html", context)


@login_required
@module_required(Module.APPS)
@require_http_methods(["GET", "POST"])
def app_create(request):
    """SPEC §4.2: create app & service; developers only, certified or not (SPEC §3.6)."""
    owner = request.user.holder
    if not Application.objects.for_developers().filter(user=owner).exists():
        context = {"message": services.NOT_A_DEVELOPER}
        return render(request, "apps_services/app_apply_first.html", context)
    form = AppForm(request.POST or None, request.FILES or None, user=owner)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.create_app(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("App created. Its app key and secret are below."))
            return redirect(app)
    return render(request, "apps_services/app_create.html", {"form": form})


@login_required
@module_required(Module.APPS)
@require_http_methods(["GET"])
def app_detail(request, pk):
    app = _owned_app(request, pk)
    context = {
        "app": app,
        "may": app_permissions(request.user),
        "publish_refusal": app.publish_refusal() if app.state == AppState.DRAFT else None,
        "developer_application": app.developer_application(),
        "authorization_url": request.build_absolute_uri(app.authorization_path()),
        "events": app.events.select_related("by"),
        "previous_secret_until": _previous_secret_until(app),
    }
    return render(request, "apps_services/app_detail.html", context)


def _previous_secret_until(app: App):
    """When the previous secret stops working, while it still works; else None."""
    until = app.previous_secret_expires_at
    return until if until and until > timezone.now() else None


@login_required
@module_required(Module.APPS)
@require_http_methods(["GET", "POST"])
def app_edit(request, pk):
    app = _owned_app(request, pk)
    if app.is_deactivated:
        messages.error(request, str(AppDeactivated().args[0]))
        return redirect(app)
    form = AppEditForm(request.POST or None, request.FILES or None, instance=app)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_app(app_id=app.pk, by=request.user, changes=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except AppDeactivated as exc:
            messages.error(request, str(exc))
            return redirect(app)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(app)
    return render(request, "apps_services/app_edit.html", {"app": app, "form": form})


@login_required
@module_required(Module.APPS)
@require_http_methods(["POST"])
def app_publish(request, pk):
    app = _owned_app(request, pk)
    try:
        app = services.publish_app(app_id=app.pk, by=request.user)
    except services.AppActionRefused as exc:
        messages.error(request, str(exc))
    else:
        if app.state == AppState.PUBLISHED:
            messages.success(request, _("Published. Share the authorization link with sellers."))
        else:
            messages.success(request, _("Submitted to app review. We will notify you."))
    return redirect(app)


@login_required
@module_required(Module.APPS)
@require_http_methods(["GET", "POST"])
def app_deactivate(request, pk):
    """SPEC §4.5, behind a page that says what happens: deactivation cannot be undone."""
    app = _owned_app(request, pk)
    if app.is_deactivated:
        messages.info(request, _("This app is already deactivated."))
        return redirect(app)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deactivate_app(app_id=app.pk, by=request.user)
        except services.AppActionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The app is deactivated."))
        return redirect(app)
    return render(request, "apps_services/app_deactivate.html", {"app": app, "form": form})


@never_cache
@login_required
@module_required(Module.SECRETS)
@require_http_methods(["POST"])
def app_reveal_secret(request, pk):
    """The secret, once, on this response only; never stored in a page that is cached."""
    app = _owned_app(request, pk)
    try:
        # REMOTE_ADDR: behind a proxy, configure the proxy to pass the client address there.
        secret = services.reveal_app_secret(
            app_id=app.pk, by=request.user, ip=request.META.get("REMOTE_ADDR")
        )
    except AppDeactivated as exc:
        messages.error(request, str(exc))
        return redirect(app)
    response = render(request, "apps_services/app_reveal.html", {"app": app, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@module_required(Module.SECRETS)
@require_http_methods(["GET", "POST"])
def app_rotate_secret(request, pk):
    """Rotation breaks every integration still signing with the current secret once the grace
    period ends, so the button leads to a page that says so; only its form rotates."""
    app = _owned_app(request, pk)
    if request.method == "GET":
        if app.is_deactivated:
            messages.error(request, str(AppDeactivated().args[0]))
            return redirect(app)
        context = {
            "app": app,
            "grace_hours": settings.APP_SECRET_ROTATION_GRACE_HOURS,
            "previous_secret_until": _previous_secret_until(app),
        }
        return render(request, "apps_services/app_rotate_secret.html", context)
    try:
        app = services.rotate_app_secret(
            app_id=app.pk, by=request.user, ip=request.META.get("REMOTE_ADDR")
        )
    except AppDeactivated as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "A new app secret is issued: reveal it to copy it. The previous secret keeps "
                "working until %(until)s UTC."
            )
            % {"until": date_format(app.previous_secret_expires_at, "SHORT_DATETIME_FORMAT")},
        )
    return redirect(app)


@login_required
@module_required(Module.APPS)
@require_http_methods(["GET"])
def app_logo(request, pk):
    """The logo lives with the partner documents (private storage), served to its owner."""
    app = _owned_app(request, pk)
    if not app.logo:
        raise Http404
    return serve_document(app.logo.name)
