from django import forms
from django.utils.translation import gettext_lazy as _


class RejectForm(forms.Form):
    """What a reviewer tells the partner when rejecting: the reason."""

    reason = forms.CharField(
        label=_("Reason (shown to the partner)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )
