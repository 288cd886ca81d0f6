"""SPEC §3: the company entity, category & market applications, their review, and the
notifications that announce each decision."""

import unicodedata
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from phonenumber_field.modelfields import PhoneNumberField

from notifications.models import Notification

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


def can_review(instance, user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(REVIEW_PERMISSION))


def is_owner(instance, user) -> bool:
    return bool(user and user.pk == instance.user_id)


class NotADraft(Exception):
    """Only a draft application can be deleted."""

    def __init__(self):
        super().__init__(_("Only a draft can be deleted; this application was submitted."))


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_REVIEW = "pending_review", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")


class ApplicationQuerySet(models.QuerySet):
    def awaiting_review(self):
        return self.filter(state=State.PENDING_REVIEW)

    def granting_roles(self):
        """Applications whose category role the partner holds (approved at least once)."""
        return self.filter(approved_at__isnull=False)

    def counts_by_state(self) -> dict[str, int]:
        """{state: how many}, every state present, in one query."""
        counts = dict(self.order_by().values_list("state").annotate(n=models.Count("pk")))
        return {state: counts.get(state, 0) for state in State.values}

    def waiting_bands(self, bands, *, now=None) -> list[int]:
        """How many were submitted within each (low, high) band of days ago (high None: no
        end), in one query: the reviewer queue by age."""
        now = now or timezone.now()
        aggregates = {}
        for i, (low, high) in enumerate(bands):
            band = Q(submitted_at__lte=now - timedelta(days=low))
            if high is not None:
                band &= Q(submitted_at__gt=now - timedelta(days=high))
            aggregates[f"band{i}"] = models.Count("pk", filter=band)
        counts = self.order_by().aggregate(**aggregates)
        return [counts[f"band{i}"] for i in range(len(bands))]


class Application(ConcurrentTransitionMixin, models.Model):
    """One category in one target market (SPEC §3.1); a `batch` groups the up-to-4 categories
    chosen together on one Get Started page (SPEC §3.2)."""

    # Category info Submit needs; the supporting document and case link are optional.
    REQUIRED_FIELDS = ("service_plan", "team_size")

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
    state = FSMField(
        _("status"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True
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
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(
        _("first approved at"), null=True, blank=True, editable=False
    )
    rejection_reason = models.TextField(_("reason"), blank=True, editable=False)
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
            models.Index(fields=["state", "submitted_at"]),
            models.Index(fields=["submitted_at", "id"], name="onboarding_app_queue"),
            models.Index(fields=["market", "submitted_at"], name="onboarding_app_market_queue"),
            models.Index(fields=["category", "submitted_at"], name="onboarding_app_cat_queue"),
            # The partner's pages: counts per status (dashboard, entity tab), newest first.
            models.Index(fields=["user", "state"], name="onboarding_app_user_state"),
            models.Index(fields=["user", "-created_at"], name="onboarding_app_user_recent"),
        ]
        permissions = [("review_application", _("Can approve or reject applications"))]

    def __str__(self) -> str:
        return f"{self.category.display_name} · {self.market.code} · {self.user}"

    def save(self, *args, **kwargs):
        # The effects a transition recorded (audit row, notification, entity approval) are
        # written with the state change or not at all, whichever entry point saved it.
        effects = self.__dict__.pop("_pending_effects", [])
        with transaction.atomic():
            super().save(*args, **kwargs)
            for effect in effects:
                effect()

    def get_absolute_url(self) -> str:
        return reverse("onboarding:application-detail", kwargs={"pk": self.pk})

    # --- what the partner still has to do ------------------------------------------------

    @property
    def is_editable(self) -> bool:
        return self.state in (State.DRAFT, State.REJECTED, State.APPROVED)

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

    def is_complete(self) -> bool:
        return not self.submission_errors()

    def discard(self) -> None:
        """Delete a draft the partner no longer wants. Only a draft: once submitted, an
        application and its history stay, whoever asks (view, admin or shell)."""
        if self.state != State.DRAFT:
            raise NotADraft()
        self.delete()

    # --- transitions ---------------------------------------------------------------------
    # A transition body only checks who acts and sets fields; the audit row, the
    # notification and the entity approval are recorded here and written by save(), in the
    # same transaction as the state change.

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.PENDING_REVIEW,
        conditions=[is_complete],
        permission=is_owner,
        custom={"label": _("Submit")},
    )
    def submit(self, *, by):
        self._start_review(by, "submit")

    @transition(
        field=state,
        source=State.REJECTED,
        target=State.PENDING_REVIEW,
        conditions=[is_complete],
        permission=is_owner,
        custom={"label": _("Resubmit")},
    )
    def resubmit(self, *, by):
        self._start_review(by, "resubmit")

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.PENDING_REVIEW,
        conditions=[is_complete],
        permission=is_owner,
        custom={"label": _("Submit changes")},
    )
    def submit_changes(self, *, by):
        """Approved category info was edited: it goes back to review (SPEC §3.7)."""
        self._start_review(by, "submit_changes")

    @transition(
        field=state,
        source=State.PENDING_REVIEW,
        target=State.APPROVED,
        permission=can_review,
        custom={"label": _("Approve")},
    )
    def approve(self, *, by):
        self._require_reviewer(by)
        now = timezone.now()
        self.decided_at, self.decided_by = now, by
        self.approved_at = self.approved_at or now
        self.rejection_reason, self.field_reasons = "", {}
        self._record(by, "approve", State.APPROVED)
        self._effects.append(self._approve_entity)
        self._effects.append(partial(self._announce_decision, approved=True))

    @transition(
        field=state,
        source=State.PENDING_REVIEW,
        target=State.REJECTED,
        permission=can_review,
        custom={"label": _("Reject")},
    )
    def reject(self, *, by, reason: str, field_reasons: dict | None = None):
        self._require_reviewer(by)
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("A rejection needs a reason the partner can act on.")
        self.decided_at, self.decided_by = timezone.now(), by
        self.rejection_reason = reason
        self.field_reasons = {k: v for k, v in (field_reasons or {}).items() if v}
        self._record(by, "reject", State.REJECTED, reason, self.field_reasons)
        self._effects.append(partial(self._announce_decision, approved=False))

    def _start_review(self, by, name: str) -> None:
        if not is_owner(self, by):
            raise PermissionError("Only the partner who owns an application can submit it.")
        self.submitted_at = timezone.now()
        self._record(by, name, State.PENDING_REVIEW)

    def _require_reviewer(self, by) -> None:
        if not can_review(self, by):
            raise PermissionError("Only staff in the Reviewers group can decide applications.")

    @property
    def _effects(self) -> list:
        return self.__dict__.setdefault("_pending_effects", [])

    def _record(self, by, name, target, reason="", field_reasons=None) -> None:
        row = ApplicationTransition(
            application=self,
            by=by,
            name=name,
            source=self.state,
            target=target,
            reason=reason,
            field_reasons=field_reasons or {},
        )
        self._effects.append(row.save)

    def _approve_entity(self) -> None:
        entity = CompanyEntity.objects.filter(user_id=self.user_id).first()
        if entity is not None:
            entity.mark_approved()

    def _announce_decision(self, *, approved: bool) -> None:
        from . import emails

        Notification.announce(**emails.decision_notification(self, approved=approved))

    # --- for the partner's pages ---------------------------------------------------------

    def status_badge(self) -> str:
        return {
            State.DRAFT: "",
            State.PENDING_REVIEW: "badge-warn",
            State.APPROVED: "badge-ok",
            State.REJECTED: "badge-err",
        }[self.state]


# What each recorded step was, for the people reading a history (partner and reviewer).
TRANSITION_LABELS = {
    "submit": _("Submitted for review"),
    "resubmit": _("Modified and resubmitted"),
    "submit_changes": _("Changes submitted for review"),
    "approve": _("Approved"),
    "reject": _("Not approved"),
    "mark_required": _("Compliance review required by the platform:"),
}


class TransitionLabels:
    """A history row as words, in the reader's language: its step and its states."""

    def get_name_display(self) -> str:
        return str(TRANSITION_LABELS.get(self.name, self.name))

    def change_display(self) -> str:
        if self.source == self.target:
            return self.get_target_display()
        return f"{self.get_source_display()} → {self.get_target_display()}"


class ApplicationTransition(TransitionLabels, models.Model):
    """The audit trail: who moved an application from which state to which, when, and why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    name = models.CharField(max_length=32)
    source = models.CharField(max_length=32, choices=State.choices)
    target = models.CharField(max_length=32, choices=State.choices)
    reason = models.TextField(blank=True)
    field_reasons = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("review history entry")
        verbose_name_plural = _("review history")
        indexes = [models.Index(fields=["application", "at"], name="onboarding_app_timeline")]

    def __str__(self) -> str:
        return f"{self.get_name_display()}: {self.change_display()}"


def field_label(key: str) -> str:
    """The label of a field a reviewer wrote a note on: an application field, or a company
    entity field as "entity-<name>" (see forms.reviewable_fields)."""
    entity = key.startswith("entity-")
    model, name = (CompanyEntity, key.removeprefix("entity-")) if entity else (Application, key)
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return key


# --- Compliance and legal review (SPEC §3.14) ---------------------------------------------

COMPLIANCE_PERMISSION = "onboarding.review_compliance"
# The markets (and registration regions) where compliance review is always required.
COMPLIANCE_MARKETS = ("US", "UK")
# SPEC §3.14: this many consecutive rejections of the security form blacklist the account.
MAX_CONSECUTIVE_REJECTIONS = 3
# Share of the letters in an answer that must be Latin for it to count as English.
MIN_LATIN_SHARE = 0.8


def validate_english(value) -> None:
    """The security review is read by an English-speaking security team (SPEC §3.14).

    We cannot tell English from French, but an answer written mostly in another script
    (Chinese, Thai, Cyrillic…) is certainly not English; those are refused. Product names,
    digits and punctuation are fine.
    """
    from django.core.exceptions import ValidationError

    letters = [c for c in str(value or "") if c.isalpha()]
    if not letters:
        return
    latin = sum(1 for c in letters if unicodedata.name(c, "").startswith("LATIN"))
    if latin / len(letters) < MIN_LATIN_SHARE:
        raise ValidationError(
            _(
                "Please answer in English: this answer is mostly written in a non-Latin "
                "script. The security team reviews every form in English."
            ),
            code="not_english",
        )


def validate_not_in_future(value) -> None:
    from django.core.exceptions import ValidationError

    if value and value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future")


class QuestionnaireRegion(models.TextChoices):
    """Each region's Partner Development & Management team has its own questionnaire."""

    US = "us", _("United States")
    UK = "uk", _("United Kingdom")
    OTHER = "other", _("Other regions")


# Where the partner sends the completed questionnaire (from the developer onboarding guide).
QUESTIONNAIRE_CONTACTS = {
    QuestionnaireRegion.US: "partner.us@tiktokshop.com",
    QuestionnaireRegion.UK: "partner.uk@tiktokshop.com",
    QuestionnaireRegion.OTHER: "partner@tiktokshop.com",
}


class ComplianceState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_REVIEW = "pending_review", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")


def developer_applications_of(user):
    """The applications that make `user` a developer (ISV or seller in-house)."""
    from categories.models import Track

    return Application.objects.filter(user=user, category__role__track=Track.DEVELOPER)


def compliance_markets_of(user) -> set[str]:
    """US / UK among the developer's target markets and registration regions."""
    codes = set()
    for market, region in developer_applications_of(user).values_list(
        "market__code", "region__code"
    ):
        codes.update({market, region})
    entity_region = (
        CompanyEntity.objects.filter(user=user).values_list("region__code", flat=True).first()
    )
    codes.add(entity_region)
    return codes & set(COMPLIANCE_MARKETS)


def can_review_compliance(instance, user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(COMPLIANCE_PERMISSION))


def is_compliance_owner(instance, user) -> bool:
    return bool(user and user.pk == instance.user_id)


def security_answers_complete(instance) -> bool:
    return not instance.submission_errors()


class ComplianceReviewQuerySet(models.QuerySet):
    def awaiting_review(self):
        return self.filter(state=ComplianceState.PENDING_REVIEW)

    waiting_bands = ApplicationQuerySet.waiting_bands

    def with_requirement_facts(self):
        """What `required_because()` asks the database, as annotations, for a page of
        reviews: each fact a simple correlated EXISTS, probed per row through the user
        indexes (an OR between them lets PostgreSQL hash the whole table instead)."""
        applications = developer_applications_of(models.OuterRef("user"))
        entities = CompanyEntity.objects.filter(user=models.OuterRef("user"))
        facts = {"developer_fact": models.Exists(applications)}
        for code in COMPLIANCE_MARKETS:
            facts[f"market_fact_{code}_market"] = models.Exists(
                applications.filter(market__code=code)
            )
            facts[f"market_fact_{code}_region"] = models.Exists(
                applications.filter(region__code=code)
            )
            facts[f"market_fact_{code}_entity"] = models.Exists(entities.filter(region__code=code))
        return self.annotate(**facts)


class ComplianceReview(ConcurrentTransitionMixin, models.Model):
    """A developer's compliance and legal review (SPEC §3.14): the due-diligence
    questionnaire they requested, and the security review form with its decisions.

    One per account. The row is created by the partner's first action (or by a reviewer
    marking the review required); until then `ComplianceReview.of(user)` returns an unsaved
    one, so reading the page never writes.
    """

    SECURITY_FIELDS = (
        "data_storage_location",
        "encryption_at_rest",
        "encryption_in_transit",
        "access_control",
        "data_retention",
        "third_parties",
        "incident_contact_name",
        "incident_contact_email",
        "last_penetration_test_on",
    )
    REQUIRED_FIELDS = (
        "data_storage_location",
        "encryption_at_rest",
        "encryption_in_transit",
        "access_control",
        "data_retention",
        "incident_contact_name",
        "incident_contact_email",
        "last_penetration_test_on",
    )

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="compliance_review"
    )
    state = FSMField(
        _("status"),
        default=ComplianceState.DRAFT,
        choices=ComplianceState.choices,
        protected=True,
        db_index=True,
    )
    # Case by case (SPEC §3.14): a reviewer may require the review of any developer.
    marked_required = models.BooleanField(_("required by a reviewer"), default=False)
    required_reason = models.TextField(_("why it is required"), blank=True)
    marked_required_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    marked_required_at = models.DateTimeField(null=True, blank=True, editable=False)
    questionnaire_region = models.CharField(
        _("questionnaire region"), max_length=8, choices=QuestionnaireRegion.choices, blank=True
    )
    questionnaire_requested_at = models.DateTimeField(
        _("questionnaire requested at"), null=True, blank=True, editable=False
    )

    # The security review form, in English.
    data_storage_location = models.CharField(
        _("Where is seller data stored?"),
        max_length=300,
        blank=True,
        validators=[validate_english],
        help_text=_("Hosting provider, country and region, e.g. “AWS, eu-west-2 (London)”."),
    )
    encryption_at_rest = models.TextField(
        _("How is seller data encrypted at rest?"),
        max_length=2000,
        blank=True,
        validators=[validate_english],
        help_text=_("Algorithm and key management, e.g. “AES-256, keys in AWS KMS”."),
    )
    encryption_in_transit = models.TextField(
        _("How is seller data encrypted in transit?"),
        max_length=2000,
        blank=True,
        validators=[validate_english],
        help_text=_("Protocols and minimum versions, e.g. “TLS 1.2+ everywhere”."),
    )
    access_control = models.TextField(
        _("Who can access seller data, and how is access controlled?"),
        max_length=2000,
        blank=True,
        validators=[validate_english],
        help_text=_("Roles, multi-factor authentication, access reviews, audit logs."),
    )
    data_retention = models.TextField(
        _("How long do you keep seller data, and how is it deleted?"),
        max_length=2000,
        blank=True,
        validators=[validate_english],
    )
    third_parties = models.TextField(
        _("Which third parties (sub-processors) receive seller data?"),
        max_length=2000,
        blank=True,
        validators=[validate_english],
        help_text=_("Optional. Name each one and what it receives."),
    )
    incident_contact_name = models.CharField(
        _("Security incident response contact"),
        max_length=120,
        blank=True,
        validators=[validate_english],
        help_text=_("A person or team reachable within 24 hours."),
    )
    incident_contact_email = models.EmailField(_("Incident response email"), blank=True)
    last_penetration_test_on = models.DateField(
        _("Date of your last penetration test"),
        null=True,
        blank=True,
        validators=[validate_not_in_future],
        help_text=_("We expect one within the last 12 months."),
    )

    consecutive_rejections = models.PositiveSmallIntegerField(
        _("consecutive rejections"), default=0, editable=False
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    rejection_reason = models.TextField(_("reason"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComplianceReviewQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("compliance review")
        verbose_name_plural = _("compliance reviews")
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="onboarding_compliance_queue")
        ]
        permissions = [
            (
                "review_compliance",
                _("Can approve or reject security reviews and require compliance review"),
            )
        ]

    def __str__(self) -> str:
        return str(_("Compliance review of %(user)s") % {"user": self.user})

    def save(self, *args, **kwargs):
        # As for Application: the audit row, the notification and a blacklisting are written
        # with the state change or not at all, whichever entry point saved it.
        effects = self.__dict__.pop("_pending_effects", [])
        with transaction.atomic():
            super().save(*args, **kwargs)
            for effect in effects:
                effect()

    def get_absolute_url(self) -> str:
        return reverse("onboarding:compliance")

    @classmethod
    def of(cls, user) -> "ComplianceReview":
        """The partner's review, or an unsaved blank one (reading never writes)."""
        review = cls.objects.filter(user=user).first() or cls(user=user)
        review.user = user  # the caller's instance: the page does not load it again
        return review

    # --- is it required, and what does the partner still have to do -----------------------

    @property
    def is_developer(self) -> bool:
        if hasattr(self, "developer_fact"):  # ComplianceReview.objects.with_requirement_facts()
            return self.developer_fact
        return developer_applications_of(self.user_id).exists()

    def _compliance_markets(self) -> set[str]:
        if hasattr(self, "developer_fact"):
            return {
                code
                for code in COMPLIANCE_MARKETS
                for where in ("market", "region", "entity")
                if getattr(self, f"market_fact_{code}_{where}")
            }
        return compliance_markets_of(self.user_id)

    def required_because(self) -> str | None:
        """Why this developer needs a compliance review, or None when they do not."""
        if not self.is_developer:
            return None
        markets = self._compliance_markets()
        if markets:
            return str(
                _("Compliance and legal review is always required for %(markets)s partners.")
                % {"markets": " / ".join(sorted(markets, reverse=True))}
            )
        if self.marked_required:
            return str(
                _("A reviewer asked for a compliance review: %(reason)s")
                % {"reason": self.required_reason}
            )
        return None

    @property
    def is_required(self) -> bool:
        return self.required_because() is not None

    def region_for_questionnaire(self) -> str:
        markets = compliance_markets_of(self.user_id)
        if "US" in markets or self.user.is_us_center:
            return QuestionnaireRegion.US
        if "UK" in markets:
            return QuestionnaireRegion.UK
        return QuestionnaireRegion.OTHER

    @property
    def questionnaire_contact(self) -> str:
        region = self.questionnaire_region or self.region_for_questionnaire()
        return QUESTIONNAIRE_CONTACTS[QuestionnaireRegion(region)]

    @property
    def is_editable(self) -> bool:
        return self.state != ComplianceState.PENDING_REVIEW

    @property
    def rejections_left(self) -> int:
        return max(0, MAX_CONSECUTIVE_REJECTIONS - self.consecutive_rejections)

    @property
    def next_rejection_blacklists(self) -> bool:
        return self.rejections_left == 1

    def answers(self) -> dict:
        return {
            name: (value.isoformat() if hasattr(value, "isoformat") else value)
            for name in self.SECURITY_FIELDS
            if (value := getattr(self, name)) not in (None, "")
        }

    def submission_errors(self) -> dict[str, str]:
        """What Submit still needs, keyed by field; the English rule included, so the shell
        and the admin cannot submit what the form would refuse."""
        from django.core.exceptions import ValidationError

        errors = {}
        for name in self.SECURITY_FIELDS:
            field = self._meta.get_field(name)
            value = getattr(self, name)
            if value in (None, ""):
                if name in self.REQUIRED_FIELDS:
                    errors[name] = str(_("This field is required to submit."))
                continue
            try:
                field.run_validators(value)
            except ValidationError as exc:
                errors[name] = " ".join(exc.messages)
        return errors

    # --- transitions ---------------------------------------------------------------------

    @transition(
        field=state,
        source=ComplianceState.DRAFT,
        target=ComplianceState.PENDING_REVIEW,
        conditions=[security_answers_complete],
        permission=is_compliance_owner,
        custom={"label": _("Submit")},
    )
    def submit(self, *, by):
        self._start_review(by, "submit")

    @transition(
        field=state,
        source=ComplianceState.REJECTED,
        target=ComplianceState.PENDING_REVIEW,
        conditions=[security_answers_complete],
        permission=is_compliance_owner,
        custom={"label": _("Resubmit")},
    )
    def resubmit(self, *, by):
        self._start_review(by, "resubmit")

    @transition(
        field=state,
        source=ComplianceState.APPROVED,
        target=ComplianceState.PENDING_REVIEW,
        conditions=[security_answers_complete],
        permission=is_compliance_owner,
        custom={"label": _("Submit changes")},
    )
    def submit_changes(self, *, by):
        """Approved answers changed (new hosting, say): the new answers go to review."""
        self._start_review(by, "submit_changes")

    @transition(
        field=state,
        source=ComplianceState.PENDING_REVIEW,
        target=ComplianceState.APPROVED,
        permission=can_review_compliance,
        custom={"label": _("Approve")},
    )
    def approve(self, *, by):
        self._require_reviewer(by)
        self.decided_at, self.decided_by = timezone.now(), by
        self.rejection_reason = ""
        # Only *consecutive* rejections count towards the blacklist.
        self.consecutive_rejections = 0
        self._record(by, "approve", ComplianceState.APPROVED)
        self._effects.append(partial(self._announce, "approved"))

    @transition(
        field=state,
        source=ComplianceState.PENDING_REVIEW,
        target=ComplianceState.REJECTED,
        permission=can_review_compliance,
        custom={"label": _("Reject")},
    )
    def reject(self, *, by, reason: str):
        """The third consecutive rejection blacklists the account, in this same save."""
        self._require_reviewer(by)
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("A rejection needs a reason the partner can act on.")
        self.decided_at, self.decided_by = timezone.now(), by
        self.rejection_reason = reason
        self.consecutive_rejections += 1
        self._record(by, "reject", ComplianceState.REJECTED, reason)
        if self.consecutive_rejections >= MAX_CONSECUTIVE_REJECTIONS:
            self._effects.append(self._blacklist_user)
            self._effects.append(partial(self._announce, "blacklisted"))
        else:
            self._effects.append(partial(self._announce, "rejected"))

    def mark_required(self, *, by, reason: str) -> None:
        """Case by case (SPEC §3.14): a reviewer requires this developer's review. Not a
        state change, but it changes what the partner must do, so it is in the history and
        the partner is told."""
        self._require_reviewer(by)
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("Tell the partner why a compliance review is required.")
        self.marked_required, self.required_reason = True, reason
        self.marked_required_by, self.marked_required_at = by, timezone.now()
        self._record(by, "mark_required", self.state, reason)
        self._effects.append(partial(self._announce, "required"))

    def _start_review(self, by, name: str) -> None:
        if not is_compliance_owner(self, by):
            raise PermissionError("Only the partner can submit their security review.")
        self.submitted_at = timezone.now()
        self._record(by, name, ComplianceState.PENDING_REVIEW, answers=self.answers())

    def _require_reviewer(self, by) -> None:
        if not can_review_compliance(self, by):
            raise PermissionError("Only staff in the Reviewers group can decide security reviews.")

    @property
    def _effects(self) -> list:
        return self.__dict__.setdefault("_pending_effects", [])

    def _record(self, by, name, target, reason="", answers=None) -> None:
        row = ComplianceTransition(
            review=self,
            by=by,
            name=name,
            source=self.state,
            target=target,
            reason=reason,
            answers=answers or {},
        )
        self._effects.append(row.save)

    def _blacklist_user(self) -> None:
        self.user.blacklist(
            reason=str(
                _("security review rejected %(n)s times in a row")
                % {"n": self.consecutive_rejections}
            )
        )

    def _announce(self, outcome: str) -> None:
        from . import emails

        Notification.announce(**emails.security_review_notification(self, outcome=outcome))

    def status_badge(self) -> str:
        return {
            ComplianceState.DRAFT: "",
            ComplianceState.PENDING_REVIEW: "badge-warn",
            ComplianceState.APPROVED: "badge-ok",
            ComplianceState.REJECTED: "badge-err",
        }[self.state]


class ComplianceTransition(TransitionLabels, models.Model):
    """The compliance audit trail: submissions (with the answers as submitted), decisions,
    and a reviewer marking the review required."""

    review = models.ForeignKey(
        ComplianceReview, on_delete=models.CASCADE, related_name="transitions"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    name = models.CharField(max_length=32)
    source = models.CharField(max_length=32, choices=ComplianceState.choices)
    target = models.CharField(max_length=32, choices=ComplianceState.choices)
    reason = models.TextField(blank=True)
    answers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("compliance history entry")
        verbose_name_plural = _("compliance history")
        indexes = [models.Index(fields=["review", "at"], name="onboarding_compliance_timeline")]

    def __str__(self) -> str:
        return f"{self.get_name_display()}: {self.change_display()}"


from .pending import PendingUpload  # noqa: E402, F401  (registers the model with the app)
