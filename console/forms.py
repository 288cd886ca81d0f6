"""The developer console's forms: test shops, the API testing tool, the signature debugger."""

from django import forms
from django.utils.translation import gettext_lazy as _

from open_api.endpoints import SCOPED, Endpoint
from open_api.models import Authorization
from open_api.sandbox import NAME_MAX_LENGTH
from sellers.models import SellerAccount

# Pasting a whole request is fine; pasting a file is not.
MAX_PASTED_BODY = 64 * 1024
PARAMETER_PREFIX = "p_"


def shop_choices(authorizations: list[Authorization]) -> list[tuple[str, str]]:
    """The app's active authorizations, a sandbox test shop marked TEST."""
    account_ids = [a.seller_account_id for a in authorizations if a.seller_account_id.isdigit()]
    test_accounts = {
        str(pk)
        for pk in SellerAccount.objects.filter(
            pk__in=account_ids, test_owner__isnull=False
        ).values_list("pk", flat=True)
    }
    test = _("TEST")
    return [
        (
            str(a.pk),
            f"{a.shop_name} ({a.shop_id})"
            + (f" · {test}" if a.seller_account_id in test_accounts else ""),
        )
        for a in authorizations
    ]


class TestingToolForm(forms.Form):
    """An endpoint, a shop that authorized the app, and the endpoint's parameters (as the
    OpenAPI document describes them), each a field `p_<name>`."""

    # Chosen above the form, by a GET that shows the endpoint's parameters (no JavaScript).
    endpoint = forms.ChoiceField(
        label=_("Endpoint"),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choose one of the Open API's signed endpoints.")},
    )
    authorization = forms.ChoiceField(
        label=_("Authorized shop"),
        error_messages={
            "invalid_choice": _(
                "Choose a shop with an active authorization of this app (ended ones cannot "
                "be called)."
            )
        },
    )

    def __init__(self, *args, authorizations, endpoint: Endpoint | None, parameters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [(e.key, e.label) for e in SCOPED]  # type: ignore[attr-defined]
        self.fields["authorization"].choices = shop_choices(authorizations)  # type: ignore[attr-defined]
        self.authorizations = {str(a.pk): a for a in authorizations}
        self.chosen_endpoint = endpoint
        for parameter in parameters:
            self.fields[PARAMETER_PREFIX + parameter["name"]] = forms.CharField(
                label=parameter["name"],
                required=parameter.get("required", False),
                help_text=parameter.get("description", ""),
                max_length=500,
                error_messages={
                    "required": _("%(name)s is a required parameter of this endpoint.")
                    % {"name": parameter["name"]}
                },
            )

    def parameters(self) -> dict[str, str]:
        return {
            name.removeprefix(PARAMETER_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(PARAMETER_PREFIX) and value != ""
        }

    def chosen_authorization(self) -> Authorization:
        return self.authorizations[self.cleaned_data["authorization"]]


class SignatureDebuggerForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE")],
    )
    url = forms.CharField(
        label=_("Request URL"),
        max_length=4000,
        help_text=_(
            "The full URL or the path with its query string, including app_key, timestamp "
            "and sign, exactly as your code sent it."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )
    content_type = forms.CharField(
        label=_("Content type"),
        required=False,
        max_length=200,
        help_text=_("The Content-Type header, if the request has a body."),
    )
    body = forms.CharField(
        label=_("Body"),
        required=False,
        strip=False,
        max_length=MAX_PASTED_BODY,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("The raw body, exactly as sent (line breaks count)."),
    )


class TestShopForm(forms.Form):
    name = forms.CharField(
        label=_("Test shop name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("Only you see it, on your pages and in the Seller Center stand-in."),
    )
