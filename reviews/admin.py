"""The reviewer's Approve / Reject… buttons, shared by every admin that reviews something.

Applications, compliance reviews and public apps are decided the same way in Django admin:
an Approve button (POST) and a Reject… page asking for a reason, both running the model's
transitions through a service, so the row lock, the audit row and the notification are the
service's, as from any other entry point. django-fsm-2's FSMAdminMixin runs a transition and
saves the object itself, and its form view has no place for a reason, so it does not fit
here; this mixin owns the URLs, the permission gate and the one reject page
(templates/admin/reviews/reject.html).

Beside it, what every reviewer queue shows: the waiting-time filter, the history columns,
and the paginator that estimates the count of a long queue.
"""

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_fsm import can_proceed


class EstimatedCountPaginator(Paginator):
    """Counts a long list from PostgreSQL's planner instead of counting it.

    Counting a million applications (or the 300,000 pending ones, or one market's) for the
    page links takes longer than the page itself. The planner's row estimate of the very
    query the page lists (EXPLAIN, from the statistics ANALYZE and autovacuum keep) is
    within a few percent, and reviewers page from the front. A list the planner expects to
    be short (a search, a narrow filter), and any list on SQLite, is counted exactly.
    """

    EXACT_BELOW = 20_000

    @cached_property
    def count(self) -> int:
        queryset = cast(QuerySet, self.object_list)  # the admin pages querysets
        connection = connections[queryset.db]
        if connection.vendor == "postgresql":
            estimate = self._estimate(connection, queryset)
            if estimate >= self.EXACT_BELOW:
                return estimate
        return super().count

    @staticmethod
    def _estimate(connection, queryset) -> int:
        try:
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. `pk__in=[]`: nothing to list, nothing to ask
            return 0
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):  # psycopg returns the json column parsed or as text
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])


class QueueOrdering:
    """A ChangeList mixin: a queue sorted by submission (either way) breaks ties by id in
    the same direction, so one index, read forwards or backwards, serves the page.
    (Django appends the admin's own ordering after the column clicked: newest first would
    sort by submitted_at descending, then id ascending, which no index holds.)"""

    def get_ordering(self, request, queryset):
        ordering = super().get_ordering(request, queryset)  # type: ignore[misc]
        if ordering and ordering[0] in ("submitted_at", "-submitted_at"):
            return [ordering[0], "-pk" if ordering[0].startswith("-") else "pk"]
        return ordering


class CatalogFilter(admin.RelatedFieldListFilter):
    """A filter on a small catalog table (regions, markets, categories, partner types) whose
    choices are read once a minute, not once per page: four queries fewer on every queue
    page, for lists that change when the catalog is seeded."""

    CHOICES_SECONDS = 60

    def field_choices(self, field, request, model_admin):
        key = f"admin-filter-choices:{field.model._meta.label_lower}.{field.name}:{get_language()}"
        choices = cache.get(key)
        if choices is None:
            choices = [
                (pk, str(label)) for pk, label in super().field_choices(field, request, model_admin)
            ]
            cache.set(key, choices, self.CHOICES_SECONDS)
        return choices


class WaitingFilter(admin.SimpleListFilter):
    title = gettext_lazy("waiting since submit")
    parameter_name = "age"
    BANDS = {
        "1d": (gettext_lazy("Less than a day"), 0, 1),
        "3d": (gettext_lazy("1-3 days"), 1, 3),
        "7d": (gettext_lazy("3-7 days"), 3, 7),
        "old": (gettext_lazy("More than 7 days"), 7, None),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _low, _high) in self.BANDS.items()]

    def queryset(self, request, queryset):
        if self.value() not in self.BANDS:
            return queryset
        _label, low, high = self.BANDS[self.value()]
        now = timezone.now()
        queryset = queryset.filter(submitted_at__lte=now - timedelta(days=low))
        if high is not None:
            queryset = queryset.filter(submitted_at__gt=now - timedelta(days=high))
        return queryset


class HistoryColumns:
    """A history row's step and states in the reviewer's language, not as stored."""

    @admin.display(description=gettext_lazy("step"))
    def step(self, obj):
        return obj.get_name_display()

    @admin.display(description=gettext_lazy("status"))
    def change(self, obj):
        return obj.change_display()


class HistoryInline(HistoryColumns, admin.TabularInline):
    """A reviewed thing's audit trail on its page: read-only, written only by the services."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReviewAdminMixin:
    review_permission: str  # "app_label.codename" that may decide
    if TYPE_CHECKING:
        from django.db.models.options import Options

        opts: Options[Any]  # the ModelAdmin's, which this mixin is always combined with
    approve_transition = "approve"  # the model's approving transition, for `can_proceed`
    reject_template = "admin/reviews/reject.html"

    # --- what each admin says ------------------------------------------------------------

    def decide(self, request, object_id, **decision) -> bool | None:
        """Run the decision (approve=True, or approve=False with a reason) and tell the
        reviewer how it went with self.message_user; an admin may return whether it was
        taken (its bulk actions count them)."""
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

    def action_checkbox(self, obj):
        """Django's row checkbox, written out: rendering the form widget's template for each
        row of a queue page took longer than the rest of the row."""
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )

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
