"""The reviewer's Approve / Reject… buttons, shared by every admin that reviews something.

Applications, compliance reviews and public apps are decided the same way in Django admin:
an Approve button (POST) and a Reject… page asking for a reason, both running the model's
transitions through a service, so the row lock, the audit row and the notification are the
service's, as from any other entry point. django-fsm-2's FSMAdminMixin runs a transition and
saves the object itself, and its form view has no place for a reason, so it does not fit
here; this mixin owns the URLs, the permission gate and the one reject page
(templates/admin/reviews/reject.html).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django_fsm import can_proceed


class ReviewAdminMixin:
    review_permission: str  # "app_label.codename" that may decide
    approve_transition = "approve"  # the model's approving transition, for `can_proceed`
    reject_template = "admin/reviews/reject.html"

    # --- what each admin says ------------------------------------------------------------

    def decide(self, request, object_id, **decision) -> None:
        """Run the decision (approve=True, or approve=False with a reason) and tell the
        reviewer how it went with self.message_user."""
        raise NotImplementedError

    def reject_form(self, request):
        raise NotImplementedError

    def reject_form_for(self, request, obj):
        """The reject page's form for this object; by default the same for every object."""
        return self.reject_form(request)

    def reject_decision(self, form) -> dict:
        return {"reason": form.cleaned_data["reason"]}

    def reject_context(self, obj) -> dict:
        """What the reject page says: `title`, `intro` and `submit_label`; optionally a
        `warning`, and `field_notes` for a form with per-field notes."""
        raise NotImplementedError

    # --- shared --------------------------------------------------------------------------

    def has_review_permission(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm(self.review_permission)

    def _change_url_name(self) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_change"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<int:object_id>/approve/", wrap(self.approve_view), name=f"{prefix}_approve"),
            path("<int:object_id>/reject/", wrap(self.reject_view), name=f"{prefix}_reject"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        can_review = self.has_review_permission(request)
        obj = self.get_object(request, object_id) if can_review else None
        extra_context = {
            **(extra_context or {}),
            "can_review": can_review,
            # The buttons show when the state machine would take the decision now.
            "can_decide": obj is not None and can_proceed(getattr(obj, self.approve_transition)),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def approve_view(self, request, object_id):
        if request.method == "POST":
            if not self.has_review_permission(request):
                raise PermissionDenied
            self.decide(request, object_id, approve=True)
        return redirect(self._change_url_name(), object_id)

    def reject_view(self, request, object_id):
        if not self.has_review_permission(request):
            raise PermissionDenied
        obj = self.get_queryset(request).filter(pk=object_id).first()
        if obj is None:
            raise Http404
        form = self.reject_form_for(request, obj)
        if request.method == "POST" and form.is_valid():
            self.decide(request, object_id, approve=False, **self.reject_decision(form))
            return redirect(self._change_url_name(), object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "form": form,
            **self.reject_context(obj),
        }
        return TemplateResponse(request, self.reject_template, context)
