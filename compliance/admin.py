"""SPEC §3.14: the security review queue. Decisions go through `services.decide_security_review`,
which locks the row and runs the FSM transition; the admin never writes the state itself."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onboarding.admin import PartnerSearch
from onboarding.models import Application
from partner_center.throttle import client_ip
from reviews.admin import (
    EstimatedCountPaginator,
    HistoryInline,
    QueueOrdering,
    ReviewAdminMixin,
    WaitingFilter,
)
from reviews.forms import RejectForm

from . import services
from .models import (
    APPEAL_PERMISSION,
    COMPLIANCE_MARKETS,
    COMPLIANCE_PERMISSION,
    MAX_CONSECUTIVE_REJECTIONS,
    Appeal,
    ComplianceReview,
    ComplianceState,
    ComplianceTransition,
)


class ComplianceTransitionInline(HistoryInline):
    model = ComplianceTransition
    fields = ("at", "by", "step", "change", "reason", "submitted_answers")
    verbose_name_plural = gettext_lazy("Compliance history")

    @admin.display(description=gettext_lazy("answers as submitted"))
    def submitted_answers(self, obj):
        return format_html_join(
            "",
            "<div><b>{}:</b> {}</div>",
            ((ComplianceReview._meta.get_field(k).verbose_name, v) for k, v in obj.answers.items()),
        )


MARKET_FACTS = [
    f"market_fact_{code}_{where}"
    for code in COMPLIANCE_MARKETS
    for where in ("market", "region", "entity")
]


def developer_accounts():
    from accounts.models import User

    return User.objects.filter(pk__in=Application.objects.for_developers().values("user")).order_by(
        "email"
    )


class RequireComplianceForm(forms.Form):
    partner = forms.ModelChoiceField(label=gettext_lazy("Developer"), queryset=developer_accounts())
    reason = forms.CharField(
        label=gettext_lazy("Why (shown to the partner)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = developer_accounts()


class RequirementFactsChangeList(QueueOrdering, ChangeList):
    """The "required" column asks each row why it is required; one query answers it for the
    page. (Annotating the whole queryset makes PostgreSQL hash the subqueries over every
    developer's applications, about a second at a million applications.)"""

    def get_results(self, request):
        super().get_results(request)
        rows = {row.pk: row for row in self.result_list}
        facts = ComplianceReview.objects.filter(pk__in=rows).with_requirement_facts()
        for fact in facts.values("pk", "developer_fact", *MARKET_FACTS):
            row = rows[fact.pop("pk")]
            for name, value in fact.items():
                setattr(row, name, value)


@admin.register(ComplianceReview)
class ComplianceReviewAdmin(PartnerSearch, ReviewAdminMixin, admin.ModelAdmin):
    """The security review queue. Like applications, every field is read-only; decisions go
    through `services.decide_security_review`."""

    change_form_template = "admin/compliance/compliancereview/change_form.html"
    change_list_template = "admin/compliance/compliancereview/change_list.html"
    list_display = (
        "id",
        "partner",
        "status",
        "required",
        "rejections",
        "questionnaire_requested_at",
        "submitted_at",
    )
    list_filter = (
        "state",
        "marked_required",
        "questionnaire_region",
        "consecutive_rejections",
        WaitingFilter,
    )
    # What the search box looks in: see PartnerSearch (the fields name them for the box).
    search_fields = ("user__email", "user__company_entity__legal_name")
    list_select_related = ("user",)
    ordering = ("submitted_at", "pk")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50  # as the application queue: rendering rows is most of the page
    inlines = [ComplianceTransitionInline]
    fieldsets = (
        (
            gettext_lazy("Review"),
            {
                "fields": (
                    "user",
                    "state",
                    "required",
                    "rejections",
                    "account_status",
                    "questionnaire_region",
                    "questionnaire_requested_at",
                    "submitted_at",
                    "decided_at",
                    "decided_by",
                    "rejection_reason",
                )
            },
        ),
        (
            gettext_lazy("Security review (in English)"),
            {"fields": ComplianceReview.SECURITY_FIELDS},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]

    def get_changelist(self, request, **kwargs):
        return RequirementFactsChangeList

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    review_permission = COMPLIANCE_PERMISSION

    @admin.display(description=gettext_lazy("partner"), ordering="user__email")
    def partner(self, obj):
        return obj.user.email

    @admin.display(description=gettext_lazy("status"), ordering="state")
    def status(self, obj):
        return obj.get_state_display()

    @admin.display(description=gettext_lazy("required"))
    def required(self, obj):
        return obj.required_because() or _("Not required")

    @admin.display(description=gettext_lazy("consecutive rejections"))
    def rejections(self, obj):
        return _("%(n)s of %(limit)s") % {
            "n": obj.consecutive_rejections,
            "limit": MAX_CONSECUTIVE_REJECTIONS,
        }

    @admin.display(description=gettext_lazy("account"))
    def account_status(self, obj):
        if obj.user.is_blacklisted:
            return _("Blacklisted on %(when)s: %(reason)s") % {
                "when": date_format(obj.user.blacklisted_at, "SHORT_DATETIME_FORMAT"),
                "reason": obj.user.blacklist_reason,
            }
        return _("Active")

    def get_urls(self):
        require = self.admin_site.admin_view(self.require_view)
        return [
            path("require/", require, name="compliance_compliancereview_require"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_review": self.has_review_permission(request)}
        return super().changelist_view(request, extra_context)

    def decide(self, request, object_id, **decision) -> None:
        try:
            review = services.decide_security_review(
                review_id=object_id, by=request.user, **decision
            )
        except ComplianceReview.DoesNotExist as exc:
            raise Http404 from exc
        except services.DecisionRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        message = _("The security review is now %(state)s; the partner is notified.") % {
            "state": review.get_state_display()
        }
        if review.state == ComplianceState.REJECTED and review.user.is_blacklisted:
            message += " " + _(
                "That was rejection %(n)s in a row: the account is now blacklisted."
            ) % {"n": review.consecutive_rejections}
        self.message_user(request, message, messages.SUCCESS)

    def reject_form(self, request):
        return RejectForm(request.POST or None)

    def reject_context(self, obj) -> dict:
        limit = MAX_CONSECUTIVE_REJECTIONS
        context = {
            "title": _("Reject the security review of %(user)s") % {"user": obj.user},
            "intro": _(
                "Reject the security review of %(user)s. Consecutive rejections so far: "
                "%(n)s of %(limit)s."
            )
            % {"user": obj.user, "n": obj.consecutive_rejections, "limit": limit},
            "submit_label": _("Reject security review"),
        }
        if obj.next_rejection_blacklists:
            context["warning"] = _(
                "This would be rejection %(limit)s of %(limit)s: the account will be "
                "blacklisted automatically and can no longer submit, create, publish or "
                "authorize anything."
            ) % {"limit": limit}
        return context

    def require_view(self, request):
        if not self.has_review_permission(request):
            raise PermissionDenied
        form = RequireComplianceForm(
            request.POST or None, initial={"partner": request.GET.get("user")}
        )
        if request.method == "POST" and form.is_valid():
            try:
                review = services.require_compliance_review(
                    user=form.cleaned_data["partner"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except services.DecisionRefused as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(
                    request,
                    _("A compliance review is now required for %(user)s; they are notified.")
                    % {"user": review.user},
                    messages.SUCCESS,
                )
                return redirect("admin:compliance_compliancereview_change", review.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("Require a compliance review"),
        }
        return TemplateResponse(request, "admin/compliance/compliancereview/require.html", context)


class AppealDecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (shown to the partner)"),
        # Shown inside the change form, sent with the decision's own form (see the template).
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "form": "appeal-decision"}),
    )


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """SPEC §8.6: appeals against a blacklisting. Read-only; the Uphold and Lift buttons run
    `services.decide_appeal` (lock, transition, log, blacklist lifted, partner told)."""

    change_form_template = "admin/compliance/appeal/change_form.html"
    list_display = ("id", "partner", "state", "filed_at", "blacklisted_at", "decided_at")
    list_filter = ("state", "filed_at", "decided_at")
    search_fields = ("account__email",)
    list_select_related = ("account",)
    ordering = ("-filed_at", "-pk")
    fields = (
        "account",
        "account_status",
        "blacklisted_at",
        "blacklist_reason",
        "filed_by",
        "filed_at",
        "statement",
        "document_preview",
        "state",
        "decided_by",
        "decided_at",
        "decision_reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm(APPEAL_PERMISSION)

    @admin.display(description=gettext_lazy("partner"), ordering="account__email")
    def partner(self, obj):
        return obj.account.email

    @admin.display(description=gettext_lazy("account now"))
    def account_status(self, obj):
        if obj.account.is_blacklisted:
            return _("Blacklisted on %(when)s: %(reason)s") % {
                "when": date_format(obj.account.blacklisted_at, "SHORT_DATETIME_FORMAT"),
                "reason": obj.account.blacklist_reason,
            }
        return _("Active")

    @admin.display(description=gettext_lazy("supporting document"))
    def document_preview(self, obj):
        if not obj.document:
            return "—"
        url = reverse("compliance:appeal-document", args=[obj.pk])
        label = _("Supporting document")
        return format_html(
            '<figure class="onboarding-doc"><a href="{}" target="_blank" rel="noopener">'
            '<img src="{}?thumbnail" alt="{}"></a><figcaption>{}</figcaption></figure>',
            url,
            url,
            label,
            label,
        )

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [
            path("<int:object_id>/decide/", decide, name="compliance_appeal_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_decide": obj is not None
            and not obj.is_decided
            and self.has_decide_permission(request),
            "decision_form": AppealDecisionForm(),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(require_POST)
    def decide_view(self, request, object_id):
        """Uphold or Lift, with the reason typed beside the buttons."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        form = AppealDecisionForm(request.POST)
        back = redirect("admin:compliance_appeal_change", object_id)
        if not form.is_valid():
            self.message_user(
                request, _("Give the partner a reason for the decision."), messages.ERROR
            )
            return back
        try:
            appeal = services.decide_appeal(
                appeal_id=object_id,
                by=request.user,
                lift=request.POST.get("decision") == "lift",
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
        except Appeal.DoesNotExist as exc:
            raise Http404 from exc
        except services.DecisionRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return back
        self.message_user(
            request,
            _("The appeal is decided (%(state)s); the partner is notified.")
            % {"state": appeal.get_state_display()},
            messages.SUCCESS,
        )
        return back
