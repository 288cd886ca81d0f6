"""SPEC §3.14: a developer's compliance and legal review — the due-diligence questionnaire,
the security review form, its decisions and history. The tables keep their onboarding names."""

import unicodedata
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.permissions import Access, Module, may
from onboarding.models import Application, CompanyEntity
from onboarding.uploads import DocumentField
from reviews.models import (
    SUBMISSION_STEPS,
    Effect,
    ReviewedModel,
    ReviewQuerySet,
    ReviewState,
    ReviewTransition,
    guarded,
)

COMPLIANCE_PERMISSION = "compliance.review_compliance"
# The markets (and registration regions) where compliance review is always required.
COMPLIANCE_MARKETS = ("US", "UK")
# SPEC §3.14: this many consecutive rejections of the security form blacklist the account.
MAX_CONSECUTIVE_REJECTIONS = 3
# SPEC §8.6: a blacklisted account may appeal once, within this long of being blacklisted.
APPEAL_WINDOW = timedelta(days=7)
APPEAL_PERMISSION = "compliance.decide_appeal"
APPEAL_STATEMENT_MIN_LENGTH = 20
APPEAL_STATEMENT_MAX_LENGTH = 4000
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


# The review lifecycle's states, with the same words.
ComplianceState = ReviewState


def compliance_markets_of(user) -> set[str]:
    """US / UK among the developer's target markets and registration regions."""
    codes = set()
    for market, region in (
        Application.objects.for_developers()
        .filter(user=user)
        .values_list("market__code", "region__code")
    ):
        codes.update({market, region})
    entity_region = (
        CompanyEntity.objects.filter(user=user).values_list("region__code", flat=True).first()
    )
    codes.add(entity_region)
    return codes & set(COMPLIANCE_MARKETS)


class ComplianceReviewQuerySet(ReviewQuerySet):
    def with_requirement_facts(self):
        """What `required_because()` asks the database, as annotations, for a page of
        reviews: each fact a simple correlated EXISTS, probed per row through the user
        indexes (an OR between them lets PostgreSQL hash the whole table instead)."""
        applications = Application.objects.for_developers().filter(user=models.OuterRef("user"))
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


class ComplianceReview(ReviewedModel):
    """A developer's compliance and legal review (SPEC §3.14): the due-diligence
    questionnaire they requested, and the security review form with its decisions. Its
    review lifecycle is `ReviewedModel`'s; the hooks below fill it in.

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

    review_permission = COMPLIANCE_PERMISSION
    queue_label = _("Security reviews")
    # Reached by drafts too (nothing to decide yet): the same words as for a decided review.
    refusal_messages = {
        "decided": _(
            "Only security reviews pending review can be decided; this one is %(state)s. "
            "Nothing was changed."
        ),
        "not_pending": _(
            "Only security reviews pending review can be decided; this one is %(state)s. "
            "Nothing was changed."
        ),
        "not_reviewer": _(
            "Only staff in the Reviewers group can approve or reject security reviews."
        ),
        "no_reason": _("Give the partner a reason for the rejection."),
    }

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="compliance_review"
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComplianceReviewQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]
        db_table = "onboarding_compliancereview"
        verbose_name = _("compliance review")
        verbose_name_plural = _("compliance reviews")
        indexes = [
            # The security review queue in queue order, by status or unfiltered.
            models.Index(
                fields=["state", "submitted_at", "id"], name="onboarding_compliance_state_q"
            ),
            models.Index(fields=["submitted_at", "id"], name="onboarding_compliance_order"),
        ]
        permissions = [
            (
                "review_compliance",
                _("Can approve or reject security reviews and require compliance review"),
            )
        ]

    def __str__(self) -> str:
        return str(_("Compliance review of %(user)s") % {"user": self.user})

    def get_absolute_url(self) -> str:
        return reverse("compliance:overview")

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
        return Application.objects.for_developers().filter(user=self.user_id).exists()

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

    def submitter_can(self, user) -> bool:
        """The account, or a member whose role manages Profile & applications (SPEC §8.3)."""
        return super().submitter_can(user) and may(user, Module.PROFILE, Access.MANAGE)

    def submission_errors(self) -> dict[str, str]:
        """What Submit still needs, keyed by field; the English rule included, so the shell
        and the admin cannot submit what the form would refuse."""
        from django.core.exceptions import ValidationError

        errors = {}
        for name in self.SECURITY_FIELDS:
            field = cast(models.Field, self._meta.get_field(name))
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

    # --- the review lifecycle's hooks (reviews.models.ReviewedModel) ----------------------

    def approving(self, *, by) -> None:
        # Only *consecutive* rejections count towards the blacklist.
        self.consecutive_rejections = 0

    def rejecting(self, *, by, field_reasons: dict[str, str] | None = None) -> None:
        self.consecutive_rejections += 1

    def audit_details(self, name: str) -> dict:
        # A submission keeps the answers as submitted: the reviewer decides on those.
        return {"answers": self.answers()} if name in SUBMISSION_STEPS else {}

    def on_rejected(self, *, by) -> list[Effect]:
        """The third consecutive rejection blacklists the account, in the same transaction
        as the decision."""
        if self.decision_outcome() == "blacklisted":
            self.user.blacklist(
                by=by,
                reason=str(
                    _("security review rejected %(n)s times in a row")
                    % {"n": self.consecutive_rejections}
                ),
            )
        return []

    def decision_outcome(self) -> str:
        """How the partner hears of the decision just taken (`emails.SECURITY_REVIEW_TITLES`):
        approved, rejected, or rejected for the last allowed time (blacklisted)."""
        if self.state == ReviewState.APPROVED:
            return "approved"
        if self.consecutive_rejections < MAX_CONSECUTIVE_REJECTIONS:
            return "rejected"
        return "blacklisted"


class ComplianceTransition(ReviewTransition):
    """The compliance audit trail: submissions (with the answers as submitted), decisions,
    and a reviewer marking the review required."""

    review = models.ForeignKey(
        ComplianceReview, on_delete=models.CASCADE, related_name="transitions"
    )
    answers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        db_table = "onboarding_compliancetransition"
        verbose_name = _("compliance history entry")
        verbose_name_plural = _("compliance history")
        indexes = [models.Index(fields=["review", "at"], name="onboarding_compliance_timeline")]


class AppealState(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Blacklist upheld")
    LIFTED = "lifted", _("Blacklist lifted")


class Appeal(ConcurrentTransitionMixin, models.Model):
    """SPEC §8.6: a blacklisted account's one appeal, and the staff's decision on it. The
    rules every entry point passes are here: `refusal_for()` (only while blacklisted, within
    APPEAL_WINDOW, once per blacklisting, backed by the unique constraint). Filed and
    decided by `compliance.services` only."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="appeals",
        verbose_name=_("account"),
    )
    # The blacklisting appealed, as it was when the appeal was filed: lifting clears the
    # account's own fields, and a later blacklisting is another one (with its own appeal).
    blacklisted_at = models.DateTimeField(_("blacklisted at"), editable=False)
    blacklist_reason = models.CharField(
        _("blacklist reason"), max_length=255, blank=True, editable=False
    )
    statement = models.TextField(
        _("Your statement"),
        max_length=APPEAL_STATEMENT_MAX_LENGTH,
        validators=[MinLengthValidator(APPEAL_STATEMENT_MIN_LENGTH)],
        help_text=_("Why the blacklist should be lifted, and what you have changed since."),
    )
    # Checked, decoded and re-encoded like every other partner document (onboarding.uploads).
    document = DocumentField(
        _("Supporting document (optional)"),
        blank=True,
        help_text=_("A photo or scan (JPEG, PNG or WebP), e.g. a new penetration test report."),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("filed by"),
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now, editable=False)
    state = FSMField(
        _("status"),
        default=AppealState.PENDING,
        choices=AppealState.choices,
        protected=True,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, editable=False)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "blacklisted_at"],
                name="compliance_one_appeal_per_blacklisting",
                violation_error_message=_("This blacklisting has been appealed already."),
            )
        ]
        indexes = [models.Index(fields=["state", "filed_at"], name="compliance_appeal_queue")]
        permissions = [("decide_appeal", _("Can uphold or lift a blacklist on appeal"))]

    def __str__(self) -> str:
        return str(_("Appeal of %(account)s") % {"account": self.account})

    def get_absolute_url(self) -> str:
        return reverse("compliance:appeal")

    @staticmethod
    def deadline_for(account) -> datetime | None:
        """The last moment `account` may appeal its blacklisting (None: not blacklisted)."""
        if account.blacklisted_at is None:
            return None
        return account.blacklisted_at + APPEAL_WINDOW

    @classmethod
    def of(cls, account) -> "Appeal | None":
        """The account's latest appeal: the current blacklisting's, when it has one."""
        return cls.objects.filter(account=account).select_related("decided_by").first()

    @classmethod
    def refusal_for(cls, account, *, now=None) -> str | None:
        """Why `account` (a main account) may not appeal now, or None when it may."""
        now = now or timezone.now()
        deadline = cls.deadline_for(account)
        if deadline is None:
            return str(_("Only a blacklisted account can appeal, and yours is not blacklisted."))
        if cls.objects.filter(account=account, blacklisted_at=account.blacklisted_at).exists():
            return str(_("You have appealed this blacklisting already: an account appeals once."))
        if now > deadline:
            return str(
                _(
                    "The time to appeal ended on %(deadline)s UTC: an appeal must be filed "
                    "within %(days)s days of the blacklisting."
                )
                % {
                    "deadline": deadline.strftime("%Y-%m-%d %H:%M"),
                    "days": APPEAL_WINDOW.days,
                }
            )
        return None

    @property
    def is_decided(self) -> bool:
        return self.state != AppealState.PENDING

    def status_badge(self) -> str:
        return {
            AppealState.PENDING: "badge-warn",
            AppealState.UPHELD: "badge-err",
            AppealState.LIFTED: "badge-ok",
        }[AppealState(self.state)]

    # --- transitions: bodies only set fields ---------------------------------------------

    def _decide(self, *, by, reason: str) -> None:
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("An appeal decision needs a reason the partner can read.")
        self.decided_at, self.decided_by, self.decision_reason = timezone.now(), by, reason

    @guarded
    @transition(
        field="state",
        source=AppealState.PENDING,
        target=AppealState.UPHELD,
        permission=APPEAL_PERMISSION,
        custom={"label": _("Uphold")},
    )
    def uphold(self, *, by, reason: str):
        """The blacklist stays."""
        self._decide(by=by, reason=reason)

    @guarded
    @transition(
        field="state",
        source=AppealState.PENDING,
        target=AppealState.LIFTED,
        permission=APPEAL_PERMISSION,
        custom={"label": _("Lift")},
    )
    def lift(self, *, by, reason: str):
        """The blacklist goes; the service lifts it on the account, in the same transaction."""
        self._decide(by=by, reason=reason)
