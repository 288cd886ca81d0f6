from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from categories.models import Market, PartnerType, Region, ServiceCategory
from categories.rules import (
    MAX_CATEGORIES_PER_APPLICATION,
    check_selection,
    markets_for,
    regions_for,
)

from .models import Application, CompanyEntity, ComplianceReview, Platform


class GetStartedForm(forms.Form):
    """SPEC §3.1-3.2: registration region, target market(s) and up to 4 categories.

    The choices offered are narrowed to what the catalog allows, but validation runs the
    market rules on whatever was posted, so a hand-made request gets the same clear errors.
    """

    region = forms.ModelChoiceField(
        label=_("Registration region"),
        queryset=Region.objects.none(),
        help_text=_("Where your company's business certificate was issued."),
    )
    markets = forms.ModelMultipleChoiceField(
        label=_("Target market(s)"),
        queryset=Market.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Business category(ies)"),
        queryset=ServiceCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        # Lazy all the way: `_(...) % {...}` here would be read once, in English, at import.
        help_text=lazy(
            lambda: (
                gettext("Up to %(max)s categories in one application.")
                % {"max": MAX_CATEGORIES_PER_APPLICATION}
            ),
            str,
        )(),
    )

    def __init__(self, *args, user, partner_type: PartnerType, fixed_region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.partner_type = user, partner_type
        self.fields["region"].queryset = regions_for(user.center)
        region = fixed_region or self._chosen_region()
        if fixed_region is not None:
            self.initial["region"] = fixed_region.pk
            self.fields["region"].disabled = True
            self.fields["region"].help_text = _(
                "Your company's registration region, from your company entity info."
            )
        if region is not None:
            allowed = markets_for(center=user.center, region=region, partner_type=partner_type)
            self.fields["markets"].choices = [(m.pk, m.display_name) for m in allowed]
        open_categories = partner_type.categories.open_for_applications()
        self.fields["categories"].choices = [(c.pk, str(c)) for c in open_categories]

    def _chosen_region(self):
        key = self.add_prefix("region")
        raw = (self.data or {}).get(key) or (self.initial or {}).get("region")
        if not raw:
            return None
        return self.fields["region"].queryset.filter(pk=raw).first() if str(raw).isdigit() else None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            check_selection(
                center=self.user.center,
                partner_type=self.partner_type,
                region=data["region"],
                markets=data["markets"],
                categories=data["categories"],
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


class DateInput(forms.DateInput):
    input_type = "date"


def https_by_default(field, **kwargs):
    """Partners type "example.com"; read it as https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class CompanyEntityForm(forms.ModelForm):
    """SPEC §3.3. Every field may be left empty by "Save for later"; Submit checks them."""

    ecommerce_platforms = forms.MultipleChoiceField(
        label=_("E-commerce platforms you have worked with"),
        choices=Platform.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CompanyEntity
        formfield_callback = https_by_default
        fields = [
            "legal_name",
            "legal_name_english",
            "registration_number",
            "certificate_validity",
            "certificate_expires_on",
            "registered_on",
            "legal_representative",
            "registered_address",
            "business_certificate",
            "id_document_type",
            "id_document",
            "contact_email",
            "contact_phone",
            "partner_name",
            "logo",
            "description",
            "website",
            "customer_count",
            "sales_opportunities",
            "ecommerce_platforms",
        ]
        widgets = {
            "certificate_validity": forms.RadioSelect,
            "certificate_expires_on": DateInput,
            "registered_on": DateInput,
            "id_document_type": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_cross_border:
            for name in CompanyEntity.CROSS_BORDER_FIELDS:
                del self.fields[name]
        for name in self.instance.required_fields():
            if name in self.fields:
                self.fields[name].label_suffix = " *"
        # Radio buttons offer the real choices only; an unanswered one stays a draft.
        for name in ("certificate_validity", "id_document_type"):
            field = self.fields[name]
            field.choices = [(v, label) for v, label in field.choices if v != ""]


class CategoryInfoForm(forms.ModelForm):
    """What one category needs beyond the common qualification info (SPEC §3.10)."""

    class Meta:
        model = Application
        formfield_callback = https_by_default
        fields = ["service_plan", "team_size", "case_url", "supporting_document"]
        widgets = {"service_plan": forms.Textarea(attrs={"rows": 3})}


class SecurityReviewForm(forms.ModelForm):
    """SPEC §3.14: the security review, in English. "Save draft" keeps anything typed (in
    English); Submit needs every required answer, which the model checks."""

    class Meta:
        model = ComplianceReview
        fields = ComplianceReview.SECURITY_FIELDS
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "encryption_at_rest",
                "encryption_in_transit",
                "access_control",
                "data_retention",
                "third_parties",
            )
        } | {"last_penetration_test_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The questions end in "?", where Django adds no label suffix: mark them in the label.
        for name in ComplianceReview.REQUIRED_FIELDS:
            self.fields[name].label = format_lazy("{} *", self.fields[name].label)
            self.fields[name].label_suffix = ""


class RejectForm(forms.Form):
    """What a reviewer tells the partner: a reason, and optionally one per field."""

    reason = forms.CharField(
        label=_("Reason (shown to the partner)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(self, *args, with_fields: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_fields:
            return
        for key, label in reviewable_fields():
            self.fields[f"field__{key}"] = forms.CharField(
                label=label, required=False, widget=forms.TextInput(attrs={"size": 60})
            )

    def field_reasons(self) -> dict[str, str]:
        return {
            name.removeprefix("field__"): value.strip()
            for name, value in self.cleaned_data.items()
            if name.startswith("field__") and value and value.strip()
        }


def reviewable_fields() -> list[tuple[str, str]]:
    """(key, label) for every field a reviewer may comment on; entity fields are prefixed."""
    entity = [
        (f"entity-{name}", str(CompanyEntity._meta.get_field(name).verbose_name).capitalize())
        for name in CompanyEntityForm.Meta.fields
    ]
    category = [
        (name, str(Application._meta.get_field(name).verbose_name).capitalize())
        for name in CategoryInfoForm.Meta.fields
    ]
    return entity + category


def field_label(key: str) -> str:
    return dict(reviewable_fields()).get(key, key)
