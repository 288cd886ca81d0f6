"""The signature debugger (apps/<pk>/signature-debugger/): the developer pastes a signed
request; the page shows the string and sign the Open API expects, and the first point where
theirs departs from it (open_api/debugger.py).

It computes signatures with the app's secret, so it is a signing oracle: App secrets
(manage) only, like reveal and rotate. The secret itself never reaches the page: the strings
shown hold a placeholder, and whatever was pasted is echoed with the secret masked too.
"""

import time

from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import allowed_when_blacklisted
from accounts.permissions import Module, module_required
from apps_services import credentials
from apps_services.models import App
from apps_services.views import app_permissions
from open_api.debugger import SECRET_PLACEHOLDER, AppSecrets, PastedRequest, diagnose

from ..forms import SignatureDebuggerForm


def _masked(data: QueryDict, secrets: list[str]) -> QueryDict:
    """What was pasted, to show again, with the app's secrets replaced by the placeholder."""
    shown = data.copy()
    for key in shown:
        value = str(shown.get(key, ""))
        for secret in secrets:
            if secret:
                value = value.replace(secret, SECRET_PLACEHOLDER)
        shown[key] = value
    return shown


# Reading: it computes and writes nothing, so a blacklisted account may still use it.
@allowed_when_blacklisted
@login_required
@module_required(Module.SECRETS)
@never_cache
@require_http_methods(["GET", "POST"])
def signature_debugger(request, pk):
    app = get_object_or_404(App, pk=pk, owner=request.user.holder)
    diagnosis = None
    form = SignatureDebuggerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        held = credentials.lookup(app.app_key)
        if held is None:  # the row was just read: only a changed app_key could do this
            raise Http404
        secrets = AppSecrets(
            app_key=held.app_key,
            secret=held.secret,
            previous_secret=held.previous_secret,
            previous_secret_expires_at=held.previous_secret_expires_at,
        )
        # Browsers send a textarea's line breaks as CRLF; the developer's body had LF.
        body = form.cleaned_data["body"].replace("\r\n", "\n").encode()
        diagnosis = diagnose(
            PastedRequest(
                method=form.cleaned_data["method"],
                # A long URL pasted into the box may have been wrapped.
                url="".join(form.cleaned_data["url"].split()),
                content_type=form.cleaned_data["content_type"],
                body=body,
            ),
            app=secrets,
            now=time.time(),
        )
        form = SignatureDebuggerForm(_masked(request.POST, [held.secret, held.previous_secret]))
        form.is_valid()
    context = {
        "app": app,
        "form": form,
        "diagnosis": diagnosis,
        "placeholder": SECRET_PLACEHOLDER,
        "may": app_permissions(request.user),
    }
    return render(request, "console/signature_debugger.html", context)
