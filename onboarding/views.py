from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_fsm import ConcurrentTransition

from accounts.decorators import allowed_when_blacklisted
from accounts.permissions import Module, module_required
from categories.models import Market, PartnerType, Region, ServiceCategory

from . import services
from .forms import (
    CategoryInfoForm,
    CompanyEntityForm,
    GetStartedForm,
    category_info_form,
)
from .models import (
    Application,
    CompanyEntity,
    PendingUpload,
    State,
    field_label,
    partner_roles_of,
)
from .uploads import THUMBNAIL_SUFFIX, serve_document


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET", "POST"])
def get_started(request):
    """Business guide > Start Business > Get Started (SPEC §3.1), and "+ Category & market".

    One form: region, markets and categories are posted together. "Show my markets and
    categories" (the page without JavaScript) re-offers the choices for what was picked,
    without errors; get_started.js narrows them as the partner picks."""
    partner_types = PartnerType.objects.filter(is_active=True)
    partner_type = get_object_or_404(partner_types, code=request.GET.get("type", ""))
    account = request.user.holder
    entity = CompanyEntity.objects.filter(user=account).select_related("region").first()
    fixed_region = entity.region if entity and account.applications.exists() else None
    seller = partner_type.code == SELLER_DEVELOPER_TYPE
    own_market = _own_shop_market(account) if seller else None
    refresh = request.method == "POST" and request.POST.get("action") == "refresh"
    posted = request.method == "POST" and not refresh
    kwargs = {
        "user": account,
        "partner_type": partner_type,
        "fixed_region": fixed_region,
        "taken": services.taken_slots(account),
        "own_market": own_market,
    }
    if refresh:
        initial = {name: request.POST.getlist(name) for name in ("markets", "categories")}
        initial["region"] = request.POST.get("region")
        form = GetStartedForm(initial=initial, **kwargs)
    else:
        initial = {"region": request.GET.get("region")}
        form = GetStartedForm(request.POST if posted else None, initial=initial, **kwargs)
    if posted and seller and own_market is None:
        form.add_error(None, _("Verify your TikTok Shop seller account first (step 1)."))
    elif posted and form.is_valid():
        try:
            applications = services.prepare_applications(
                user=request.user,
                partner_type=partner_type,
                own_market=own_market,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _remember_selection(request, partner_type, applications)
            return redirect("onboarding:batch-edit", batch=applications[0].batch)
    context = {
        "form": form,
        "partner_type": partner_type,
        "partner_types": partner_types,
        "seller": seller,
        "own_market": own_market,
    }
    return render(request, "onboarding/get_started.html", context)


# The partner type of seller in-house developers (catalog.PARTNER_TYPES).
SELLER_DEVELOPER_TYPE = "seller"
PENDING_BATCHES = "onboarding:pending-batches"
PENDING_BATCHES_KEPT = 10


def _own_shop_market(user):
    """A verified seller developer's own shop market (SPEC §4.6), None if not verified."""
    binding = getattr(user, "seller_binding", None)
    shop = binding.own_shop() if binding is not None else None
    return Market.objects.filter(code=shop.region).first() if shop else None


def _remember_selection(request, partner_type, applications) -> None:
    """Keep the Get Started choice in the session: the batch page writes the drafts only
    when the partner saves or submits it."""
    pending = request.session.get(PENDING_BATCHES, {})
    first = applications[0]
    pending[str(first.batch)] = {
        "type": partner_type.pk,
        "region": first.region_id,
        "markets": sorted({a.market_id for a in applications}),
        "categories": sorted({a.category_id for a in applications}),
    }
    request.session[PENDING_BATCHES] = dict(list(pending.items())[-PENDING_BATCHES_KEPT:])


def _pending_applications(request, batch):
    """The unsaved drafts of a Get Started choice, checked again (ValidationError if it no
    longer holds, say applied for from another tab); None if there is none."""
    choice = request.session.get(PENDING_BATCHES, {}).get(str(batch))
    if choice is None:
        return None
    partner_type = get_object_or_404(PartnerType, pk=choice["type"])
    own = partner_type.code == SELLER_DEVELOPER_TYPE
    return services.prepare_applications(
        user=request.user.holder,
        partner_type=partner_type,
        region=get_object_or_404(Region, pk=choice["region"]),
        markets=Market.objects.filter(pk__in=choice["markets"]),
        categories=ServiceCategory.objects.filter(pk__in=choice["categories"]),
        batch=batch,
        own_market=_own_shop_market(request.user.holder) if own else None,
    )


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET"])
def add_category(request):
    """Profile > "+ Category & market": pick a partner type, then Get Started."""
    partner_types = PartnerType.objects.filter(is_active=True)
    return render(request, "onboarding/add_category.html", {"partner_types": partner_types})


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET", "POST"])
def batch_edit(request, batch):
    """The one page for the categories chosen together (SPEC §3.2), while still drafts."""
    mine = Application.objects.filter(user=request.user.holder, batch=batch)
    if not mine.exists():
        # Fresh from Get Started: nothing is written until Save for later or Submit.
        try:
            pending = _pending_applications(request, batch)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("onboarding:add-category")
        if pending is None:
            raise Http404
        services.choose_region(user=request.user, region=pending[0].region)
        return _edit(request, pending)
    applications = list(mine.filter(state=State.DRAFT).select_related("category", "market"))
    if not applications:
        messages.info(request, _("These applications were submitted already."))
        return redirect(_categories_tab())
    return _edit(request, applications)


def _developer_choice(applications, action) -> str | None:
    """A developer who saved or submitted may get an app key now (SPEC §3.6)."""
    if not any(a.category.role.is_developer for a in applications):
        return None
    url = reverse("onboarding:batch-next", kwargs={"batch": applications[0].batch})
    return f"{url}?{urlencode({'done': action})}"


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET"])
def batch_next(request, batch):
    """After a developer application is saved or submitted: "Get app key now" (create an
    app; it publishes once certified) or back to the profile."""
    applications = list(
        Application.objects.filter(user=request.user.holder, batch=batch).select_related(
            "category", "market"
        )
    )
    if not applications:
        raise Http404
    context = {
        "applications": applications,
        "batch": batch,
        "saved": request.GET.get("done") == "save",
        "drafts": any(a.state == State.DRAFT for a in applications),
    }
    return render(request, "onboarding/batch_next.html", context)


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET", "POST"])
def batch_delete(request, batch):
    """ "Delete draft": the partner's drafts of one batch go, after a confirmation."""
    drafts = list(
        Application.objects.filter(
            user=request.user.holder, batch=batch, state=State.DRAFT
        ).select_related("category", "market")
    )
    if not drafts:
        raise Http404
    if request.method == "POST":
        services.discard_drafts(user=request.user, batch=batch)
        request.session.get(PENDING_BATCHES, {}).pop(str(batch), None)
        request.session.modified = True
        messages.success(request, _("The draft is deleted."))
        return redirect(_categories_tab())
    return render(request, "onboarding/batch_delete.html", {"drafts": drafts, "batch": batch})


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    """ "Fix it" / "Modify" (rejected), "Edit" (approved), or carry on with a draft."""
    application = get_object_or_404(Application, pk=pk, user=request.user.holder)
    if not application.is_editable:
        messages.info(request, _("This application is being reviewed and cannot be changed."))
        return redirect(application)
    return _edit(request, [application])


def _edit(request, applications):
    account = request.user.holder
    # Made (unsaved) when there is none yet: it is written only when the form is saved, so
    # opening the page (a Viewer's GET too) writes nothing.
    entity = CompanyEntity.objects.filter(user=account).first() or CompanyEntity(
        user=account, region=applications[0].region
    )
    # Common qualification info is read-only once approved (SPEC §3.9), and while another
    # application is under review, so the reviewer sees what the partner submitted.
    entity_locked = entity.is_frozen or account.applications.awaiting_review().exists()
    approved = any(a.state == State.APPROVED for a in applications)
    data = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    entity_form = (
        None if entity_locked else CompanyEntityForm(*data, instance=entity, prefix="entity")
    )
    groups = [
        (category, list(apps))
        for category, apps in groupby(
            sorted(applications, key=lambda a: (a.category.position, a.category_id, a.market_id)),
            key=lambda a: a.category,
        )
    ]
    category_forms = [
        (
            category,
            apps,
            category_info_form(category)(*data, instance=apps[0], prefix=f"cat-{category.pk}"),
        )
        for category, apps in groups
    ]
    forms = [f for _c, _a, f in category_forms] + ([entity_form] if entity_form else [])
    action = request.POST.get("action")
    if request.method == "POST" and action in ("save", "submit"):
        if action == "save" and approved:
            messages.error(request, _("Changes to approved information go to review: submit them."))
        elif all(f.is_valid() for f in forms):
            # The valid forms have set their values on the instances; the service saves them.
            try:
                services.save_applications(
                    user=request.user,
                    applications=[a for _c, apps, _f in category_forms for a in apps],
                    entity=entity_form.instance if entity_form else None,
                    submit=action == "submit",
                )
            except ConcurrentTransition:
                # A second click (or another tab) submitted these while this request ran:
                # that one won, and this one, rolled back, changed nothing.
                messages.info(request, _("These applications were submitted already."))
                return redirect(_categories_tab())
            except services.SubmissionRefused as refused:
                _show_missing(refused.errors, entity_form, category_forms)
                messages.error(request, _("Please complete the highlighted information to submit."))
            else:
                after = None if approved else _developer_choice(applications, action)
                if action == "save":
                    messages.success(request, _("Saved. You can come back and submit later."))
                    return redirect(after or request.path)
                messages.success(request, _("Submitted. We will email you the review result."))
                return redirect(after or _categories_tab())
    context = {
        "entity": entity,
        "entity_form": entity_form,
        "category_forms": category_forms,
        "applications": applications,
        "approved": approved,
        "reasons": _reasons(applications),
    }
    return render(request, "onboarding/application_edit.html", context)


def _show_missing(errors, entity_form, category_forms) -> None:
    for key, message in errors.items():
        if key.startswith("entity-") and entity_form is not None:
            name = key.removeprefix("entity-")
            entity_form.add_error(name if name in entity_form.fields else None, message)
        elif key in CategoryInfoForm.Meta.fields:
            for _category, _apps, form in category_forms:
                if not form.cleaned_data.get(key) and not getattr(form.instance, key):
                    form.add_error(key, message)
        elif entity_form is not None:
            entity_form.add_error(None, message)
        else:
            category_forms[0][2].add_error(None, message)


def _reasons(applications):
    """The reviewer's last words on each rejected application, with field labels."""
    return [
        {
            "application": a,
            "reason": a.rejection_reason,
            "fields": [(field_label(k), v) for k, v in a.field_reasons.items()],
        }
        for a in applications
        if a.state == State.REJECTED
    ]


def _categories_tab() -> str:
    from django.urls import reverse

    return reverse("accounts:profile") + "?tab=categories"


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET"])
def application_detail(request, pk):
    application = get_object_or_404(
        Application.objects.select_related("category", "market", "region", "partner_type"),
        pk=pk,
        user=request.user.holder,
    )
    context = {
        "application": application,
        "timeline": application.transitions.all(),
        "reasons": _reasons([application]),
        "entity": CompanyEntity.objects.filter(user=request.user.holder).first(),
        **_field_notes(application),
    }
    return render(request, "onboarding/application_detail.html", context)


def _field_notes(application) -> dict:
    """The reviewer's per-field notes, to show beside each fact (SPEC §3.8)."""
    if application.state != State.REJECTED:
        return {"entity_notes": {}, "category_notes": {}}
    reasons = application.field_reasons or {}
    return {
        "entity_notes": {
            k.removeprefix("entity-"): v for k, v in reasons.items() if k.startswith("entity-")
        },
        "category_notes": {k: v for k, v in reasons.items() if "-" not in k},
    }


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET"])
def document(request, name):
    """A partner document, to its account (a member whose role reads Profile &
    applications) and to reviewers only (never a public URL); another account's is a 404."""
    original = name.removesuffix(THUMBNAIL_SUFFIX)
    owner = (
        CompanyEntity.objects.filter(
            Q(business_certificate=original) | Q(id_document=original) | Q(logo=original)
        )
        .values_list("user_id", flat=True)
        .first()
    ) or Application.objects.filter(supporting_document=original).values_list(
        "user_id", flat=True
    ).first()
    if owner is None:
        # A document kept across a page that did not save yet (onboarding/pending.py).
        owner = PendingUpload.objects.filter(file=original).values_list("user_id", flat=True)
        owner = owner.first()
    reviewer = request.user.is_staff and request.user.has_perm("onboarding.view_companyentity")
    if owner is None or not (owner == request.user.holder.pk or reviewer):
        raise Http404
    return serve_document(name)


@allowed_when_blacklisted
@login_required
@require_http_methods(["POST"])
def switch_role(request):
    """SPEC §1.6: the top-bar role picker, among the account's roles; the choice is kept on
    the user (a team member picks how they read, for themselves), so any member may."""
    role = get_object_or_404(
        partner_roles_of(request.user.holder).filter(held__gt=0),
        code=request.POST.get("role", ""),
    )
    request.user.active_role = role
    request.user.save(update_fields=["active_role"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "accounts:dashboard"
    return redirect(target)
