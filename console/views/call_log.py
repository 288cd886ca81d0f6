"""The API call log of one app (SPEC §9.3): the last API_CALL_LOG_DAYS days of its Open API
calls, searchable by request id, status, endpoint and shop, with calls and errors per day."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import Module, module_required
from apps_services.models import App
from apps_services.views import app_permissions
from open_api import calllog, endpoints
from open_api.models import ApiCall
from open_api.models.calls import THROTTLED

PAGE_SIZE = 50
MAX_PAGE = 1000
BAR_STEPS = 20  # the chart's bars are sized by a CSS class per step (.call-bar-0 … -20)
HTTP_STATUS = re.compile(r"[1-5][0-9]{2}")
# What a row of the list shows (the client IP and app stay for support, in the admin).
LIST_FIELDS = (
    "request_id",
    "endpoint",
    "method",
    "path",
    "shop_cipher",
    "shop_id",
    "status",
    "code",
    "latency_ms",
    "at",
)


class CallLogFilterForm(forms.Form):
    request_id = forms.CharField(label=_("Request ID"), required=False, max_length=64)
    status = forms.CharField(
        label=_("Status"),
        required=False,
        max_length=10,
        help_text=_("success, error, throttled, or an HTTP status such as 404"),
    )
    endpoint = forms.ChoiceField(label=_("Endpoint"), required=False)
    shop = forms.CharField(
        label=_("Shop"), required=False, max_length=64, help_text=_("Shop ID or shop cipher")
    )

    STATUS_WORDS = {"success", "error", "throttled"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [("", _("All endpoints")), *endpoints.choices()]

    def clean_status(self) -> str:
        status = self.cleaned_data["status"].strip().lower()
        if status and status not in self.STATUS_WORDS and not HTTP_STATUS.fullmatch(status):
            raise forms.ValidationError(
                _("Enter success, error, throttled, or a three-digit HTTP status (100 to 599).")
            )
        return status

    def filter(self, calls):
        """`calls` narrowed by the valid filters."""
        data = self.cleaned_data
        if data["request_id"].strip():
            calls = calls.filter(request_id=data["request_id"].strip())
        status = data["status"]
        if status == "success":
            calls = calls.successes()
        elif status == "error":
            calls = calls.errors()
        elif status == "throttled":
            calls = calls.filter(status=THROTTLED)
        elif status:
            calls = calls.filter(status=int(status))
        if data["endpoint"]:
            calls = calls.filter(endpoint=data["endpoint"])
        shop = data["shop"].strip()
        if shop:
            calls = calls.filter(Q(shop_id=shop) | Q(shop_cipher=shop))
        return calls


def chart(calls, *, days: int) -> list[dict]:
    """Calls and errors per UTC day, each with the CSS step of its bar."""
    rows = calls.per_day(days=days, today=timezone.now().date())
    most = max((row["calls"] for row in rows), default=0) or 1
    for row in rows:
        row["calls_step"] = _step(row["calls"], most)
        row["errors_step"] = _step(row["errors"], most)
    return rows


def _step(count: int, most: int) -> int:
    # A day with any call shows at least a sliver.
    return max(round(count * BAR_STEPS / most), 1) if count else 0


def _page_number(request) -> int:
    """As Paginator.get_page: a page that is no number is the first."""
    try:
        return min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


@login_required
@module_required(Module.APPS)
@require_http_methods(["GET"])
def api_calls(request, pk):
    """The app's Open API calls, newest first, 50 a page (no COUNT: a next page is one more
    row fetched)."""
    app = get_object_or_404(App, pk=pk, owner=request.user.holder)
    # This process's calls of the last second are in its buffer: written first, so a call
    # just made shows; other processes write theirs within about a second.
    calllog.flush()
    calls = ApiCall.objects.filter(app_id=app.pk)
    form = CallLogFilterForm(request.GET or None)
    page_number, rows, status = _page_number(request), [], 200
    if not form.is_bound or form.is_valid():
        filtered = form.filter(calls) if form.is_bound else calls
        start = (page_number - 1) * PAGE_SIZE
        rows = list(filtered.only(*LIST_FIELDS)[start : start + PAGE_SIZE + 1])
    else:
        status = 400
    context = {
        "app": app,
        "may": app_permissions(request.user),
        "form": form,
        "calls": rows[:PAGE_SIZE],
        "page_number": page_number,
        "has_older": len(rows) > PAGE_SIZE,
        "days": chart(calls, days=settings.API_CALL_LOG_DAYS),
        "keep_days": settings.API_CALL_LOG_DAYS,
    }
    return render(request, "console/api_calls.html", context, status=status)
