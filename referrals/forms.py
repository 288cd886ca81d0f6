from django import forms
from django.utils.translation import gettext_lazy as _

from categories.models import Market, ServiceCategory

from .models import ServiceType, ShopRegistrationService, shop_registration_applications


class ServiceTypeSelect(forms.RadioSelect):
    """Custom and Public, with Public shown but not selectable (SPEC §5.2)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value == ServiceType.PUBLIC:
            option["attrs"]["disabled"] = True
            option["label"] = _("Public (not available now)")
        return option


class ServiceForm(forms.ModelForm):
    """Create a custom shop registration service. Choices are narrowed to what the partner
    is approved for; `services.create_service` checks it again for every other entry point."""

    category = forms.ModelChoiceField(
        queryset=ServiceCategory.objects.none(), label=_("Service category"), empty_label=None
    )
    market = forms.ModelChoiceField(
        queryset=Market.objects.none(), label=_("Target market"), empty_label=None
    )

    class Meta:
        model = ShopRegistrationService
        fields = ("service_type", "category", "market", "name", "description", "contact_email")
        widgets = {
            "service_type": ServiceTypeSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "name": _("Shown to sellers on the sign-up page your link opens."),
            "contact_email": _("Where sellers can reach you about their registration."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.partner = user
        granted = shop_registration_applications(user)
        self.fields["category"].queryset = ServiceCategory.objects.filter(
            pk__in=granted.values("category")
        )
        self.fields["market"].queryset = Market.objects.filter(pk__in=granted.values("market"))
        self.fields["service_type"].initial = ServiceType.CUSTOM
        self.fields["service_type"].help_text = _(
            "Custom: you share the service's links with sellers yourself."
        )
