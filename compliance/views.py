"""SPEC §3.14: the developer's compliance and legal review pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import allowed_when_blacklisted
from accounts.permissions import Access, Module, may, module_required
from onboarding.uploads import serve_document, thumbnail_name
from partner_center.throttle import client_ip

from . import emails, services
from .forms import AppealForm, SecurityReviewForm
from .models import (
    APPEAL_WINDOW,
    MAX_CONSECUTIVE_REJECTIONS,
    Appeal,
    ComplianceReview,
    ComplianceState,
)


def _compliance_context(review: ComplianceReview) -> dict:
    return {
        "review": review,
        "required_because": review.required_because(),
        "limit": MAX_CONSECUTIVE_REJECTIONS,
        "timeline": review.transitions.select_related("by") if review.pk else [],
    }


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET"])
def compliance(request):
    """The developer's compliance and legal review: questionnaire, then security review."""
    review = ComplianceReview.of(request.user.holder)
    context = _compliance_context(review)
    # The account's writes: not blacklisted, and the user's role manages the profile.
    context["can_write"] = not review.user.is_blacklisted and may(
        request.user, Module.PROFILE, Access.MANAGE
    )
    if review.questionnaire_requested_at:
        context["questionnaire"] = emails.questionnaire_text(review.questionnaire_region)
    return render(request, "compliance/compliance_overview.html", context)


@login_required
@module_required(Module.PROFILE)
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
    return redirect("compliance:overview")


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET", "POST"])
def compliance_security_review(request):
    """The security review form (English only): save a draft, or submit it for review."""
    account = request.user.holder
    review = ComplianceReview.of(account)
    if not review.is_required:
        return redirect("compliance:overview")
    editable = (
        review.is_editable
        and not account.is_blacklisted
        and may(request.user, Module.PROFILE, Access.MANAGE)
    )
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
                return redirect("compliance:overview")
            messages.success(request, _("Saved. You can come back and submit later."))
            return redirect("compliance:security-review")
    answers = [
        (name, review._meta.get_field(name).verbose_name, getattr(review, name))
        for name in ComplianceReview.SECURITY_FIELDS
    ]
    context = {**_compliance_context(review), "form": form, "answers": answers}
    context["approved"] = review.state == ComplianceState.APPROVED
    return render(request, "compliance/compliance_security_review.html", context)


# The one page a blacklisted account posts to: its appeal (SPEC §8.6).
@allowed_when_blacklisted
@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET", "POST"])
def appeal(request):
    """The blacklist, the deadline to appeal it and the appeal form; once filed, the
    appeal's status and the staff's decision."""
    account = request.user.holder
    refusal = Appeal.refusal_for(account)
    form = AppealForm(request.POST or None, request.FILES or None) if refusal is None else None
    if request.method == "POST" and form is None:
        messages.error(request, refusal)
        return redirect("compliance:appeal")
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.file_appeal(by=request.user, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        except services.AppealRefused as exc:
            messages.error(request, str(exc))
            return redirect("compliance:appeal")
        else:
            messages.success(request, _("Your appeal is filed. We will email you the decision."))
            return redirect("compliance:appeal")
    appeal = Appeal.of(account)
    context = {
        "account": account,
        "appeal": appeal,
        "appealed": appeal is not None and appeal.blacklisted_at == account.blacklisted_at,
        "deadline": Appeal.deadline_for(account),
        "window_days": APPEAL_WINDOW.days,
        "refusal": refusal,
        "form": form,
    }
    return render(request, "compliance/compliance_appeal.html", context)


@login_required
@module_required(Module.PROFILE)
@require_http_methods(["GET"])
def appeal_document(request, pk):
    """An appeal's document (or, with ?thumbnail, its thumbnail): to the account's own
    users (the Profile permission) and to staff who may see appeals; anyone else a 404."""
    if request.user.is_staff and request.user.has_perm("compliance.view_appeal"):
        appeal = get_object_or_404(Appeal, pk=pk)
    else:
        appeal = get_object_or_404(Appeal, pk=pk, account=request.user.holder)
    if not appeal.document:
        raise Http404
    name = appeal.document.name
    return serve_document(thumbnail_name(name) if "thumbnail" in request.GET else name)
