"""The reviewer's Approve / Reject… buttons, shared by every admin that reviews something.

Applications, compliance reviews and public apps are decided the same way in Django admin:
an Approve button (POST) and a Reject… page with a reason, both running the model's
transitions through a service. Each admin names its permission and says how to decide; this
mixin owns the URLs, the permission checks and the reject page.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models.options import Options
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path


class DecisionAdminMixin:
    review_permission: str  # "app_label.codename" that may decide
    opts: "Options[Any]"  # the ModelAdmin's, which this mixin is always combined with

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
        """At least the page title; anything else the reject template shows."""
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
        extra_context = {**(extra_context or {}), "can_review": self.has_review_permission(request)}
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
        template = f"admin/{self.opts.app_label}/{self.opts.model_name}/reject.html"
        return TemplateResponse(request, template, context)
