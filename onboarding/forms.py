from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from categories.models import Market, PartnerType, Region, ServiceCategory
from categories.rules import (
    MAX_CATEGORIES_PER_APPLICATION,
    check_selection,
    offer_for,
    regions_for,
)
from reviews import forms as reviews_forms

from .models import Application, CertificateValidity, CompanyEntity, Platform
from .models import State as ApplicationState
from .widgets import KeptFileInput, PartnerFormMixin


class GetStartedForm(forms.Form):
    """SPEC §3.1-3.2: registration region, target market(s) and up to 4 categories, in one form.

    The page offers what the catalog allows (`offer_for`), narrowed to the region and markets
    picked so far; get_started.js narrows it further as the partner picks. Validation runs
    the market rules on whatever was posted, so a hand-made request gets the same clear
    errors.
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
        help_text=format_lazy(
            _("Up to {max} categories in one application."), max=MAX_CATEGORIES_PER_APPLICATION
        ),
    )

    def __init__(
        self,
        *args,
        user,
        partner_type: PartnerType,
        fixed_region=None,
        taken=(),
        own_market=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.user, self.partner_type, self.own_market = user, partner_type, own_market
        self.offer = offer_for(
            center=user.center, partner_type=partner_type, taken=taken, own_market=own_market
        )
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = regions_for(user.center)
        if fixed_region is not None:
            self.initial["region"] = fixed_region.pk
            self.fields["region"].disabled = True
            self.fields["region"].help_text = _(
                "Your company's registration region, from your company entity info."
            )
        elif not self.initial.get("region"):
            self.initial["region"] = self._default_region()
        self.current_region = fixed_region or self._chosen_region()
        if self.current_region is not None and not self.initial.get("markets"):
            # A local partner (and the US center) has one market: it is chosen by default.
            offered = self.offer.markets_by_region.get(self.current_region.pk, [])
            if len(offered) == 1:
                self.initial["markets"] = [offered[0].pk]
        if len(self.offer.categories) == 1 and not self.initial.get("categories"):
            self.initial["categories"] = [self.offer.categories[0].pk]

    def _default_region(self):
        """The US center has one region; a seller developer's is its shop's market."""
        regions = self.offer.regions
        if len(regions) == 1:
            return regions[0].pk
        if self.own_market is not None:
            return next((r.pk for r in regions if r.local_market_id == self.own_market.pk), None)
        return None

    def _chosen_region(self):
        key = self.add_prefix("region")
        raw = self.data.get(key) if self.is_bound else self.initial.get("region")
        if not raw or not str(raw).isdigit():
            return None
        return next((r for r in self.offer.regions if r.pk == int(raw)), None)

    def _chosen(self, name) -> set[str]:
        if self.is_bound:
            return set(cast(QueryDict, self.data).getlist(self.add_prefix(name)))
        return {str(v) for v in self.initial.get(name) or ()}

    def market_options(self) -> list[dict]:
        """Every market the page may offer, hidden unless the chosen region may target it;
        `regions` lists the regions that may, for get_started.js."""
        region, chosen = self.current_region, self._chosen("markets")
        options = []
        for market in self.offer.markets:
            regions = [r for r, ms in self.offer.markets_by_region.items() if market in ms]
            checked = str(market.pk) in chosen
            options.append(
                {
                    "value": market.pk,
                    "label": market.display_name,
                    "checked": checked,
                    "hidden": region is not None and region.pk not in regions and not checked,
                    "regions": " ".join(str(r) for r in regions),
                }
            )
        return _visible_first(options)

    def category_options(self) -> list[dict]:
        """Every category the page may offer, hidden unless it is open for the chosen region
        and markets; `pairs` ("region:market") tells get_started.js where it is open."""
        region, chosen = self.current_region, self._chosen("categories")
        markets = {int(m) for m in self._chosen("markets") if m.isdigit()}
        if region is not None and not markets:
            markets = {m.pk for m in self.offer.markets_by_region.get(region.pk, [])}
        options = []
        for category in self.offer.categories:
            pairs = self.offer.pairs[category.pk]
            visible = region is None or any((region.pk, m) in pairs for m in markets)
            checked = str(category.pk) in chosen
            options.append(
                {
                    "value": category.pk,
                    "label": str(category),
                    "checked": checked,
                    "hidden": not visible and not checked,
                    "pairs": " ".join(f"{r}:{m}" for r, m in sorted(pairs)),
                }
            )
        return _visible_first(options)

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
                own_market=self.own_market,
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


def _visible_first(options: list[dict]) -> list[dict]:
    # The error summary links to a list's first option: one the partner can see.
    return sorted(options, key=lambda option: option["hidden"])


class DateInput(forms.DateInput):
    input_type = "date"


def https_by_default(field, **kwargs):
    """Partners type "example.com"; read it as https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


# The seeds' sections of the long form, in order: (anchor, title, fields).
ENTITY_SECTIONS = (
    (
        "business",
        _("Business information"),
        (
            "legal_name",
            "legal_name_english",
            "registration_number",
            "certificate_validity",
            "certificate_expires_on",
            "registered_on",
            "legal_representative",
            "registered_address",
            "business_certificate",
        ),
    ),
    ("identity", _("Identity"), ("id_document_type", "id_document")),
    ("name-logo", _("Name & logo"), ("partner_name", "logo", "description", "website")),
    ("contact", _("Contact"), ("contact_email", "contact_phone")),
    (
        "more",
        _("More about yourself"),
        ("customer_count", "sales_opportunities", "ecommerce_platforms"),
    ),
)


class CompanyEntityForm(PartnerFormMixin, forms.ModelForm):
    """SPEC §3.3. Every field may be left empty by "Save for later"; Submit checks them."""

    SECTIONS = ENTITY_SECTIONS

    ecommerce_platforms = forms.MultipleChoiceField(
        label=_("E-commerce platforms you have worked with"),
        choices=Platform.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CompanyEntity
        formfield_callback = https_by_default
        # Every field of the form, section by section.
        fields = [name for _anchor, _title, names in ENTITY_SECTIONS for name in names]
        widgets = {
            "certificate_validity": forms.RadioSelect,
            "certificate_expires_on": DateInput,
            "registered_on": DateInput,
            "id_document_type": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            "business_certificate": KeptFileInput,
            "id_document": KeptFileInput,
            "logo": KeptFileInput,
        }

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None:
            kwargs.setdefault("required_to_submit", instance.required_fields())
            kwargs.setdefault("review_notes", entity_review_notes(instance.user_id))
        super().__init__(*args, **kwargs)
        if not self.instance.is_cross_border:
            for name in CompanyEntity.CROSS_BORDER_FIELDS:
                del self.fields[name]
        # Radio buttons offer the real choices only; an unanswered one stays a draft.
        for name in ("certificate_validity", "id_document_type"):
            field = self.fields[name]
            field.choices = [(v, label) for v, label in field.choices if v != ""]
        # The termination date belongs to an appointed period only: static/js/forms.js hides
        # it while "Permanent" is chosen; without JavaScript the help text says so.
        expires = self.fields["certificate_expires_on"]
        expires.help_text = _("Only for an appointed period.")
        expires.widget.attrs["data-shown-when"] = (
            f"{self.add_prefix('certificate_validity')}={CertificateValidity.APPOINTED}"
        )

    def clean(self):
        data = super().clean()
        # A permanent certificate has no termination date: one left in the form is ignored.
        if data.get("certificate_validity") == CertificateValidity.PERMANENT:
            data["certificate_expires_on"] = None
        return data

    def sections(self):
        """(anchor, title, bound fields, has errors) for each section, in order."""
        result = []
        for anchor, title, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            result.append((anchor, title, fields, any(f.errors for f in fields)))
        return result


def entity_review_notes(user_id) -> dict[str, str]:
    """The reviewer's notes on company entity fields, from the account's rejected
    applications (the entity is shared by all of them)."""
    notes: dict[str, str] = {}
    rejected = Application.objects.filter(user_id=user_id, state=ApplicationState.REJECTED)
    for reasons in rejected.values_list("field_reasons", flat=True):
        for key, note in (reasons or {}).items():
            if key.startswith("entity-") and note:
                notes.setdefault(key.removeprefix("entity-"), note)
    return notes


class CategoryInfoForm(PartnerFormMixin, forms.ModelForm):
    """What one category needs beyond the common qualification info (SPEC §3.10)."""

    class Meta:
        model = Application
        formfield_callback = https_by_default
        fields = ["service_plan", "team_size", "case_url", "supporting_document"]
        widgets = {
            "service_plan": forms.Textarea(attrs={"rows": 3}),
            "supporting_document": KeptFileInput,
        }

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None:
            kwargs.setdefault("required_to_submit", Application.REQUIRED_FIELDS)
        if instance is not None and instance.state == ApplicationState.REJECTED:
            notes = {k: v for k, v in instance.field_reasons.items() if "-" not in k}
            kwargs.setdefault("review_notes", notes)
        super().__init__(*args, **kwargs)


class SellerDeveloperInfoForm(CategoryInfoForm):
    """Seller in-house developer › TikTok Shop Seller: the app for the seller's own shop,
    not the agency questions (its shop is verified with Seller Center, SPEC §4.6)."""

    class Meta(CategoryInfoForm.Meta):
        fields = ["service_plan", "team_size"]
        labels = {
            "service_plan": _("What will your custom app do for your own shop?"),
            "team_size": _("Developers working on the app"),
        }
        help_texts = {
            "service_plan": _("For example: sync orders to our ERP, update stock and prices."),
        }


# Categories whose information differs from the generic CategoryInfoForm, by code.
CATEGORY_INFO_FORMS = {"tiktok-shop-seller": SellerDeveloperInfoForm}


def category_info_form(category) -> type[CategoryInfoForm]:
    return CATEGORY_INFO_FORMS.get(category.code, CategoryInfoForm)


class RejectForm(reviews_forms.RejectForm):
    """What a reviewer tells the partner: a reason, and optionally one per field."""

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
        (
            f"entity-{name}",
            str(cast(models.Field, CompanyEntity._meta.get_field(name)).verbose_name).capitalize(),
        )
        for name in CompanyEntityForm.Meta.fields
    ]
    category = [
        (name, str(Application._meta.get_field(name).verbose_name).capitalize())
        for name in CategoryInfoForm.Meta.fields
    ]
    return entity + category
