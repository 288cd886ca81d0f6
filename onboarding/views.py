import mimetypes
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_fsm import ConcurrentTransition

from categories.models import PartnerRole, PartnerType

from . import emails, services
from .forms import (
    CategoryInfoForm,
    CompanyEntityForm,
    GetStartedForm,
    SecurityReviewForm,
    field_label,
)
from .models import (
    MAX_CONSECUTIVE_REJECTIONS,
    Application,
    CompanyEntity,
    ComplianceReview,
    ComplianceState,
    Notification,
    PendingUpload,
    State,
)
from .uploads import THUMBNAIL_SUFFIX, private_storage


@login_required
@require_http_methods(["GET", "POST"])
def get_started(request):
    """Business guide > Start Business > Get Started (SPEC §3.1), and "+ Category & market"."""
    partner_types = PartnerType.objects.filter(is_active=True)
    partner_type = get_object_or_404(partner_types, code=request.GET.get("type", ""))
    entity = CompanyEntity.objects.filter(user=request.user).select_related("region").first()
    fixed_region = entity.region if entity and request.user.applications.exists() else None
    form = GetStartedForm(
        request.POST if request.method == "POST" else None,
        initial={"region": request.GET.get("region")},
        user=request.user,
        partner_type=partner_type,
        fixed_region=fixed_region,
    )
    if request.method == "POST" and form.is_valid():
        try:
            applications = services.start_applications(
                user=request.user, partner_type=partner_type, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Fill in the information below, then submit."))
            return redirect("onboarding:batch-edit", batch=applications[0].batch)
    context = {"form": form, "partner_type": partner_type, "partner_types": partner_types}
    return render(request, "onboarding/get_started.html", context)


@login_required
@require_http_methods(["GET"])
def add_category(request):
    """Profile > "+ Category & market": pick a partner type, then Get Started."""
    partner_types = PartnerType.objects.filter(is_active=True)
    return render(request, "onboarding/add_category.html", {"partner_types": partner_types})


@login_required
@require_http_methods(["GET", "POST"])
def batch_edit(request, batch):
    """The one page for the categories chosen together (SPEC §3.2), while still drafts."""
    mine = Application.objects.filter(user=request.user, batch=batch)
    if not mine.exists():
        raise Http404
    applications = list(mine.filter(state=State.DRAFT).select_related("category", "market"))
    if not applications:
        messages.info(request, _("These applications were submitted already."))
        return redirect(_categories_tab())
    return _edit(request, applications)


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    """ "Fix it" / "Modify" (rejected), "Edit" (approved), or carry on with a draft."""
    application = get_object_or_404(Application, pk=pk, user=request.user)
    if not application.is_editable:
        messages.info(request, _("This application is being reviewed and cannot be changed."))
        return redirect(application)
    return _edit(request, [application])


def _edit(request, applications):
    entity, _created = CompanyEntity.objects.get_or_create(
        user=request.user, defaults={"region": applications[0].region}
    )
    # Common qualification info is read-only once approved (SPEC §3.9), and while another
    # application is under review, so the reviewer sees what the partner submitted.
    entity_locked = entity.is_frozen or request.user.applications.awaiting_review().exists()
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
        (category, apps, CategoryInfoForm(*data, instance=apps[0], prefix=f"cat-{category.pk}"))
        for category, apps in groups
    ]
    forms = [f for _c, _a, f in category_forms] + ([entity_form] if entity_form else [])
    action = request.POST.get("action")
    if request.method == "POST" and action in ("save", "submit"):
        if action == "save" and approved:
            messages.error(request, _("Changes to approved information go to review: submit them."))
        elif all(f.is_valid() for f in forms):
            try:
                refused = _save_and_submit(
                    request, entity_form, category_forms, applications, action, approved
                )
            except ConcurrentTransition:
                # A second click (or another tab) submitted these while this request ran:
                # that one won, and this one, rolled back, changed nothing.
                messages.info(request, _("These applications were submitted already."))
                return redirect(_categories_tab())
            if refused is not None:
                _show_missing(refused.errors, entity_form, category_forms)
                messages.error(request, _("Please complete the highlighted information to submit."))
            else:
                if action == "save":
                    messages.success(request, _("Saved. You can come back and submit later."))
                    return redirect(request.path)
                messages.success(request, _("Submitted. We will email you the review result."))
                return redirect(_categories_tab())
    context = {
        "entity": entity,
        "entity_form": entity_form,
        "category_forms": category_forms,
        "applications": applications,
        "approved": approved,
        "reasons": _reasons(applications),
    }
    return render(request, "onboarding/application_edit.html", context)


def _save_and_submit(request, entity_form, category_forms, applications, action, approved):
    """Save, and submit when asked. A draft keeps what was typed even when Submit is
    refused; changes to approved info are kept only if they go to review."""
    refused = None
    try:
        with transaction.atomic():
            _save(entity_form, category_forms)
            if action == "submit":
                try:
                    services.submit_applications(applications=applications, by=request.user)
                except services.SubmissionRefused as exc:
                    refused = exc
                    if approved:
                        raise
    except services.SubmissionRefused:
        pass
    return refused


def _save(entity_form, category_forms) -> None:
    if entity_form is not None:
        entity_form.save()
    for _category, apps, form in category_forms:
        first = form.save()
        # One category applied for in several markets shares its category info.
        for other in apps[1:]:
            for name in CategoryInfoForm.Meta.fields:
                setattr(other, name, getattr(first, name))
            other.save()


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
@require_http_methods(["GET"])
def application_detail(request, pk):
    application = get_object_or_404(
        Application.objects.select_related("category", "market", "region", "partner_type"),
        pk=pk,
        user=request.user,
    )
    context = {
        "application": application,
        "timeline": application.transitions.all(),
        "reasons": _reasons([application]),
        "entity": CompanyEntity.objects.filter(user=request.user).first(),
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
@require_http_methods(["GET"])
def document(request, name):
    """A partner document, to its owner and to reviewers only (never a public URL)."""
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
    if owner is None or not (owner == request.user.pk or reviewer):
        raise Http404
    if not private_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(private_storage.open(name), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_http_methods(["GET"])
def notification_list(request):
    notifications = request.user.notifications.all()[:100]
    return render(request, "onboarding/notification_list.html", {"notifications": notifications})


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request, pk):
    """The notification's link: marks it read and goes to what it is about. A GET, so it
    is an ordinary link (a new tab, a link copied from the inbox); marking one's own
    notification read is harmless if a third party makes the browser follow it."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())
    return redirect(notification.url or "onboarding:notifications")


@login_required
@require_http_methods(["POST"])
def notifications_read_all(request):
    request.user.notifications.unread().update(read_at=timezone.now())
    messages.success(request, _("All notifications are marked as read."))
    return redirect("onboarding:notifications")


@login_required
@require_http_methods(["POST"])
def switch_role(request):
    """SPEC §1.6: the top-bar role picker; the choice is kept on the account."""
    role = get_object_or_404(
        PartnerRole.objects.filter(
            categories__applications__user=request.user,
            categories__applications__approved_at__isnull=False,
        ).distinct(),
        code=request.POST.get("role", ""),
    )
    request.user.active_role = role
    request.user.save(update_fields=["active_role"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "accounts:dashboard"
    return redirect(target)


# --- Compliance and legal review (SPEC §3.14) ---------------------------------------------


def _compliance_context(review: ComplianceReview) -> dict:
    return {
        "review": review,
        "required_because": review.required_because(),
        "limit": MAX_CONSECUTIVE_REJECTIONS,
        "timeline": review.transitions.select_related("by") if review.pk else [],
    }


@login_required
@require_http_methods(["GET"])
def compliance(request):
    """The developer's compliance and legal review: questionnaire, then security review."""
    review = ComplianceReview.of(request.user)
    context = _compliance_context(review)
    if review.questionnaire_requested_at:
        context["questionnaire"] = emails.questionnaire_text(review.questionnaire_region)
    return render(request, "onboarding/compliance_overview.html", context)


@login_required
@require_http_methods(["POST"])
def compliance_questionnaire(request):
    """ "Request questionnaire": delivered once, as a notification and an email."""
    try:
        sent = services.request_questionnaire(user=request.user)
    except services.ComplianceRefused as exc:
        messages.error(request, str(exc))
    else:
        if sent:
            messages.success(
                request,
                _("The questionnaire is on its way: see your notifications and your email."),
            )
        else:
            messages.info(request, _("You requested the questionnaire already; it is below."))
    return redirect("onboarding:compliance")


@login_required
@require_http_methods(["GET", "POST"])
def compliance_security_review(request):
    """The security review form (English only): save a draft, or submit it for review."""
    review = ComplianceReview.of(request.user)
    if not review.is_required:
        return redirect("onboarding:compliance")
    editable = review.is_editable and not request.user.is_blacklisted
    form = SecurityReviewForm(request.POST or None, instance=review) if editable else None
    action = request.POST.get("action")
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.save_security_review(
                user=request.user, answers=form.cleaned_data, submit=action == "submit"
            )
        except services.SubmissionRefused as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except services.ComplianceRefused as exc:
            messages.error(request, str(exc))
        else:
            if action == "submit":
                messages.success(request, _("Submitted. We will email you the review result."))
                return redirect("onboarding:compliance")
            messages.success(request, _("Saved. You can come back and submit later."))
            return redirect("onboarding:compliance-security-review")
    answers = [
        (name, review._meta.get_field(name).verbose_name, getattr(review, name))
        for name in ComplianceReview.SECURITY_FIELDS
    ]
    context = {**_compliance_context(review), "form": form, "answers": answers}
    context["approved"] = review.state == ComplianceState.APPROVED
    return render(request, "onboarding/compliance_security_review.html", context)
