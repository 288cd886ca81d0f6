"""SPEC §3.14: the developer's compliance and legal review pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from teams.permissions import Access, Module, may, module_required

from . import emails, services
from .forms import SecurityReviewForm
from .models import MAX_CONSECUTIVE_REJECTIONS, ComplianceReview, ComplianceState


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
