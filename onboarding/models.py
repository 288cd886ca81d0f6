"""SPEC §3: the company entity, category & market applications, their review, and the
notifications that announce each decision."""

import uuid
from typing import cast

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from accounts.permissions import Access, Module, may
from categories.models import PartnerRole, Track
from reviews.models import ReviewedModel, ReviewQuerySet, ReviewState, ReviewTransition

from .names import validate_partner_name
from .uploads import DocumentField

REVIEW_PERMISSION = "onboarding.review_application"


class EntityFrozen(Exception):
    """SPEC §3.9: approved company entity info can never be changed."""

    def __init__(self):
        super().__init__(
            _(
                "Company entity info is approved and can no longer be changed: it applies to "
                "every category and to finance."
            )
        )


class CertificateValidity(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    APPOINTED = "appointed", _("Appointed period")


class IdDocumentType(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    PASSPORT = "passport", _("Passport")


class CustomerCount(models.TextChoices):
    UP_TO_10 = "0-10", _("0-10")
    UP_TO_50 = "11-50", _("11-50")
    UP_TO_200 = "51-200", _("51-200")
    MORE = "200+", _("More than 200")


class SalesOpportunities(models.TextChoices):
    FEW = "few", _("Fewer than 10 a month")
    SOME = "some", _("10-50 a month")
    MANY = "many", _("More than 50 a month")


class Platform(models.TextChoices):
    AMAZON = "amazon", "Amazon"
    SHOPEE = "shopee", "Shopee"
    LAZADA = "lazada", "Lazada"
    SHOPIFY = "shopify", "Shopify"
    EBAY = "ebay", "eBay"
    TOKOPEDIA = "tokopedia", "Tokopedia"
    OTHER = "other", _("Other")


class CompanyEntity(models.Model):
    """SPEC §3.3: one per account; common qualification info shared by every application."""

    # Submit needs these filled in; "Save for later" does not (SPEC §3.6).
    REQUIRED_FIELDS = (
        "legal_name",
        "registration_number",
        "certificate_validity",
        "registered_on",
        "business_certificate",
        "id_document_type",
        "id_document",
        "contact_email",
        "contact_phone",
        "partner_name",
        "description",
        "customer_count",
        "sales_opportunities",
    )
    # Cross-border partners (registered in CN mainland / HK) tell us more.
    CROSS_BORDER_FIELDS = ("legal_name_english", "legal_representative", "registered_address")
    DOCUMENT_FIELDS = ("business_certificate", "id_document", "logo")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_entity"
    )
    region = models.ForeignKey(
        "categories.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("registration region"),
    )
    legal_name = models.CharField(_("company legal name"), max_length=200, blank=True)
    legal_name_english = models.CharField(_("company name in English"), max_length=200, blank=True)
    registration_number = models.CharField(
        _("certificate of incorporation number"), max_length=64, blank=True
    )
    certificate_validity = models.CharField(
        _("certificate effective period"),
        max_length=16,
        choices=CertificateValidity.choices,
        blank=True,
    )
    certificate_expires_on = models.DateField(_("termination date"), null=True, blank=True)
    registered_on = models.DateField(_("company register date"), null=True, blank=True)
    business_certificate = DocumentField(_("business certificate"), blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=120, blank=True)
    registered_address = models.CharField(_("registered address"), max_length=300, blank=True)
    id_document_type = models.CharField(
        _("identity document type"), max_length=16, choices=IdDocumentType.choices, blank=True
    )
    id_document = DocumentField(_("identity document"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = PhoneNumberField(_("contact phone"), blank=True)
    partner_name = models.CharField(
        _("partner name"),
        max_length=60,
        blank=True,
        validators=[validate_partner_name],
        help_text=_("Shown to sellers and creators. No TikTok-like names."),
    )
    logo = DocumentField(_("partner logo"), blank=True)
    description = models.TextField(_("business description"), max_length=2000, blank=True)
    website = models.URLField(_("website"), blank=True)
    customer_count = models.CharField(
        _("how many customers do you serve?"),
        max_length=8,
        choices=CustomerCount.choices,
        blank=True,
    )
    sales_opportunities = models.CharField(
        _("how many sales opportunities do you get?"),
        max_length=8,
        choices=SalesOpportunities.choices,
        blank=True,
    )
    ecommerce_platforms = models.JSONField(
        _("e-commerce platforms you have worked with"), default=list, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("company entity")
        verbose_name_plural = _("company entities")

    def __str__(self) -> str:
        return self.legal_name or self.partner_name or str(self.user)

    def save(self, *args, **kwargs):
        # Against the house rule of no logic in save(): SPEC §3.9 must hold for every writer,
        # the shell included, and save() is the one door they all use. The database is asked,
        # not this instance, so a copy loaded before approval cannot slip through. Approval
        # itself goes through `mark_approved`, a queryset update that never calls save().
        if self.pk and self._frozen_in_database():
            raise EntityFrozen()
        super().save(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.approved_at is not None

    @property
    def is_cross_border(self) -> bool:
        return bool(self.region and self.region.is_cross_border)

    def required_fields(self) -> tuple[str, ...]:
        extra = self.CROSS_BORDER_FIELDS if self.is_cross_border else ()
        return self.REQUIRED_FIELDS + extra

    def submission_errors(self) -> dict[str, str]:
        """What Submit still needs, keyed by field (empty when complete)."""
        errors = {}
        for name in self.required_fields():
            if not getattr(self, name):
                errors[name] = str(_("This field is required to submit."))
        if self.certificate_validity == CertificateValidity.APPOINTED:
            if not self.certificate_expires_on:
                errors["certificate_expires_on"] = str(
                    _("Enter the termination date of an appointed period.")
                )
            elif self.certificate_expires_on <= timezone.localdate():
                errors["certificate_expires_on"] = str(
                    _("The certificate has expired; upload a valid one.")
                )
        if self.registered_on and self.registered_on > timezone.localdate():
            errors["registered_on"] = str(_("The register date cannot be in the future."))
        return errors

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.pk and self._frozen_in_database():
            raise ValidationError(str(EntityFrozen()))

    def _frozen_in_database(self) -> bool:
        return CompanyEntity.objects.filter(pk=self.pk, approved_at__isnull=False).exists()

    def mark_approved(self) -> None:
        """Freeze the entity: called when its first application is approved."""
        now = timezone.now()
        if CompanyEntity.objects.filter(pk=self.pk, approved_at=None).update(approved_at=now):
            self.approved_at = now


class NotADraft(Exception):
    """Only a draft application can be deleted."""

    def __init__(self):
        super().__init__(_("Only a draft can be deleted; this application was submitted."))


State = ReviewState


class ApplicationQuerySet(ReviewQuerySet):
    def granting_roles(self):
        """Applications whose category role the partner holds (approved at least once)."""
        return self.filter(approved_at__isnull=False)

    def for_developers(self):
        """Applications for a developer role: who has one is a developer (SPEC §2.2)."""
        return self.filter(category__role__track=Track.DEVELOPER)

    def approved(self):
        """Approved now (a developer's certification): not while edited info is in review."""
        return self.filter(state=State.APPROVED)

    def counts_by_state(self) -> dict[str, int]:
        """{state: how many}, every state present, in one query."""
        counts = dict(self.order_by().values_list("state").annotate(n=models.Count("pk")))
        return {state: counts.get(state, 0) for state in State.values}


def partner_roles_of(user):
    """The partner roles `user` applied for, each `held` (a count, 0 when not) once an
    application for it was approved (`granting_roles`): the shell's role switcher and the
    switch itself read this one query."""
    return PartnerRole.objects.filter(categories__applications__user=user).annotate(
        held=models.Count("pk", filter=Q(categories__applications__approved_at__isnull=False))
    )


class Application(ReviewedModel):
    """One category in one target market (SPEC §3.1); a `batch` groups the up-to-4 categories
    chosen together on one Get Started page (SPEC §3.2). Its review lifecycle is
    `ReviewedModel`'s; the hooks below fill it in."""

    # Category info Submit needs; the supporting document and case link are optional.
    REQUIRED_FIELDS = ("service_plan", "team_size")
    # What one category needs beyond the entity; the same for each of its markets.
    CATEGORY_INFO_FIELDS = ("service_plan", "team_size", "case_url", "supporting_document")

    review_permission = REVIEW_PERMISSION
    queue_label = _("Applications")
    refusal_messages = {
        "decided": _(
            "This application was already decided by someone else (it is now "
            "%(state)s). Nothing was changed."
        ),
        "not_pending": _("Only applications pending review can be decided; this one is %(state)s."),
        "not_reviewer": _("Only staff in the Reviewers group can approve or reject applications."),
        "no_reason": _("Give the partner a reason for the rejection."),
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    batch = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    partner_type = models.ForeignKey(
        "categories.PartnerType", on_delete=models.PROTECT, verbose_name=_("partner type")
    )
    region = models.ForeignKey(
        "categories.Region", on_delete=models.PROTECT, verbose_name=_("registration region")
    )
    market = models.ForeignKey(
        "categories.Market", on_delete=models.PROTECT, verbose_name=_("target market")
    )
    category = models.ForeignKey(
        "categories.ServiceCategory",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("business category"),
    )
    service_plan = models.TextField(
        _("how you will serve in this category"), max_length=2000, blank=True
    )
    team_size = models.PositiveIntegerField(_("team size for this category"), null=True, blank=True)
    case_url = models.URLField(_("link to a case study"), blank=True)
    supporting_document = DocumentField(
        _("supporting document"),
        blank=True,
        help_text=_("Optional: a certificate or award relevant to this category (image)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(
        _("first approved at"), null=True, blank=True, editable=False
    )
    field_reasons = models.JSONField(default=dict, blank=True, editable=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category", "market"], name="onboarding_one_application_per_slot"
            )
        ]
        indexes = [
            # The reviewer queue (admin): by status, unfiltered, by market or category, each
            # in queue order; the waiting-time filter and the admin index chart use them too.
            # The id breaks ties, so a page of drafts (no submitted_at) reads 100 rows, not
            # every draft.
            models.Index(fields=["state", "submitted_at", "id"], name="onboarding_app_state_queue"),
            models.Index(fields=["submitted_at", "id"], name="onboarding_app_queue"),
            # The default queue (all but drafts), oldest or newest first, without stepping
            # over the drafts' empty submitted_at.
            models.Index(
                fields=["submitted_at", "id"],
                condition=~models.Q(state="draft"),
                name="onboarding_app_open_queue",
            ),
            models.Index(fields=["market", "submitted_at"], name="onboarding_app_market_queue"),
            models.Index(fields=["category", "submitted_at"], name="onboarding_app_cat_queue"),
            # The partner's pages: counts per status (dashboard, entity tab), newest first.
            models.Index(fields=["user", "state"], name="onboarding_app_user_state"),
            models.Index(fields=["user", "-created_at"], name="onboarding_app_user_recent"),
        ]
        permissions = [("review_application", _("Can approve or reject applications"))]

    def __str__(self) -> str:
        return f"{self.category.display_name} · {self.market.code} · {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("onboarding:application-detail", kwargs={"pk": self.pk})

    # --- what the partner still has to do ------------------------------------------------

    def submitter_can(self, user) -> bool:
        """The account, or a member whose role manages Profile & applications (SPEC §8.3)."""
        return super().submitter_can(user) and may(user, Module.PROFILE, Access.MANAGE)

    def submission_errors(self) -> dict[str, str]:
        """Everything Submit still needs, keyed by field; entity fields are "entity-<name>"."""
        errors = {
            name: str(_("This field is required to submit."))
            for name in self.REQUIRED_FIELDS
            if getattr(self, name) in (None, "")
        }
        entity = CompanyEntity.objects.filter(user_id=self.user_id).first()
        if entity is None:
            errors["entity"] = str(_("Fill in your company entity info."))
        else:
            errors.update({f"entity-{k}": v for k, v in entity.submission_errors().items()})
        if not self.user.has_verified_email():
            errors["email"] = str(
                _("Verify your email address first: it is where we send the review result.")
            )
        return errors

    def discard(self) -> None:
        """Delete a draft the partner no longer wants. Only a draft: once submitted, an
        application and its history stay, whoever asks (view, admin or shell)."""
        if self.state != State.DRAFT:
            raise NotADraft()
        self.delete()

    # --- the review lifecycle's hooks (reviews.models.ReviewedModel) ----------------------

    def approving(self, *, by) -> None:
        self.approved_at = self.approved_at or self.decided_at
        self.field_reasons = {}

    def rejecting(self, *, by, field_reasons: dict[str, str] | None = None) -> None:
        self.field_reasons = {k: v for k, v in (field_reasons or {}).items() if v}

    def audit_details(self, name: str) -> dict:
        return {"field_reasons": self.field_reasons} if name == "reject" else {}

    def on_approved(self, *, by) -> list:
        # The first approved application freezes the company entity (SPEC §3.9).
        entity = CompanyEntity.objects.filter(user_id=self.user_id).first()
        if entity is not None:
            entity.mark_approved()
        return []


class ApplicationTransition(ReviewTransition):
    """The audit trail: who moved an application from which state to which, when, and why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    field_reasons = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("review history entry")
        verbose_name_plural = _("review history")
        indexes = [models.Index(fields=["application", "at"], name="onboarding_app_timeline")]


def field_label(key: str) -> str:
    """The label of a field a reviewer wrote a note on: an application field, or a company
    entity field as "entity-<name>" (see forms.reviewable_fields)."""
    entity = key.startswith("entity-")
    model, name = (CompanyEntity, key.removeprefix("entity-")) if entity else (Application, key)
    try:
        # Notes are written on concrete fields, never on relations' reverse sides.
        field = cast(models.Field, model._meta.get_field(name))
        return str(field.verbose_name).capitalize()
    except FieldDoesNotExist:
        return key


from .pending import PendingUpload  # noqa: E402, F401  (registers the model with the app)
