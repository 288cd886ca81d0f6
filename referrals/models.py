"""SPEC §5: the shop registration service, its two referral links, and what they bring in.

A partner with an approved "Shop registration" category creates one custom service per
target market and publishes it. Publishing the first time issues two links, one for local
and one for cross-border sellers; their tokens never change afterwards, whatever the
service goes through (deactivate, re-publish). Clicks are counted on the link
(`referrals.clicks`), seller sign-ups are attributed to it (`ReferralSignup`).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from onboarding.models import Application
from reviews.models import guarded
from sellers.models import SellerType

# 24 random bytes = 192 bits, 32 URL-safe characters: not guessable, not enumerable.
TOKEN_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class ServiceType(models.TextChoices):
    CUSTOM = "custom", _("Custom")
    PUBLIC = "public", _("Public")


class ServiceState(models.TextChoices):
    DRAFT = "draft", _("Not published")
    ON = "on", _("On")
    OFF = "off", _("Off")


def shop_registration_applications(user):
    """The partner's category applications that open the service (SPEC §5.1).

    An application approved once keeps granting it while edited category info is in review,
    as it keeps the partner role (onboarding's `granting_roles`).
    """
    return Application.objects.granting_roles().filter(
        user=user, category__grants_shop_registration=True
    )


def is_owner(instance, user) -> bool:
    """The service's partner account, or a member acting for it (SPEC §8.1); the member's
    role is checked by the service before it gets here."""
    return bool(user and getattr(user, "holder", user).pk == instance.partner_id)


class ServiceQuerySet(models.QuerySet["ShopRegistrationService"]):
    def owned_by(self, user):
        return self.filter(partner=user)


class ShopRegistrationService(ConcurrentTransitionMixin, models.Model):
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="shop_registration_services",
        verbose_name=_("partner"),
    )
    service_type = models.CharField(
        _("service type"), max_length=8, choices=ServiceType.choices, default=ServiceType.CUSTOM
    )
    category = models.ForeignKey(
        "categories.ServiceCategory",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"grants_shop_registration": True},
        verbose_name=_("service category"),
    )
    market = models.ForeignKey(
        "categories.Market",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("target market"),
    )
    name = models.CharField(_("service name"), max_length=60)
    description = models.TextField(
        _("service description"),
        max_length=2000,
        help_text=_("What you do for the sellers who register through your link."),
    )
    contact_email = models.EmailField(_("contact email for sellers"))
    state = FSMField(
        _("status"),
        default=ServiceState.DRAFT,
        choices=ServiceState.choices,
        protected=True,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("last published at"), null=True, editable=False)
    deactivated_at = models.DateTimeField(_("last deactivated at"), null=True, editable=False)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("shop registration service")
        verbose_name_plural = _("shop registration services")
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="referrals_service_partner")
        ]
        constraints = [
            # SPEC §5.2: public is "not available now"; the shell and admin cannot make one.
            models.CheckConstraint(
                condition=Q(service_type="custom"),
                name="referrals_service_custom_only",
                violation_error_message=_(
                    "Public shop registration services are not available now."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("referrals:service-detail", kwargs={"pk": self.pk})

    @property
    def is_on(self) -> bool:
        return self.state == ServiceState.ON

    def status_badge(self) -> str:
        badges = {ServiceState.ON: "badge-ok", ServiceState.OFF: "badge-warn"}
        return badges.get(self.state, "")

    @property
    def partner_display_name(self) -> str:
        """Who invites the seller (SPEC §5.5): the partner's company, as its entity names it.

        The partner name first (the brand the seller knows), then the legal name; the service
        name only for a partner without entity info, which approval makes impossible.
        """
        entity = getattr(self.partner, "company_entity", None)
        return (entity and (entity.partner_name or entity.legal_name)) or self.name

    # --- transitions ---------------------------------------------------------------------
    # Bodies only set fields; `guarded` checks the permission once. `services.py` locks the
    # row, issues the links, and runs the step through `reviews.services.transition`, which
    # records the audit row (`history_entry`) and refreshes the redirect cache after commit
    # (`effects_after`).

    @guarded
    @transition(
        field=state,
        source=[ServiceState.DRAFT, ServiceState.OFF],
        target=ServiceState.ON,
        permission=is_owner,
        custom={"label": _("Publish")},
    )
    def publish(self, *, by):
        self.published_at = timezone.now()

    @guarded
    @transition(
        field=state,
        source=ServiceState.ON,
        target=ServiceState.OFF,
        permission=is_owner,
        custom={"label": _("Deactivate")},
    )
    def deactivate(self, *, by):
        self.deactivated_at = timezone.now()

    def history_entry(self, *, by, name: str, source: str, reason=None) -> "ServiceEvent":
        """The (unsaved) audit row of transition `name`, just taken from `source`."""
        note = self.market.name if name == "publish" else ""
        return ServiceEvent(
            service=self, by=by, name=name, source=source, target=self.state, note=note
        )

    def effects_after(self, name: str, *, by) -> tuple:
        """Nothing waits on the model; the service refreshes the redirect cache."""
        return ()


class ServiceEvent(models.Model):
    """Audit row: who published or deactivated the service, when, from which state."""

    service = models.ForeignKey(
        ShopRegistrationService, on_delete=models.CASCADE, related_name="events"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    name = models.CharField(max_length=20)
    source = models.CharField(max_length=8, choices=ServiceState.choices)
    target = models.CharField(max_length=8, choices=ServiceState.choices)
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("service event")
        verbose_name_plural = _("service events")
        indexes = [models.Index(fields=["service", "-at"], name="referrals_service_events")]

    def __str__(self) -> str:
        return f"{self.service} {self.name} at {self.at:%Y-%m-%d %H:%M}"


class ReferralLink(models.Model):
    """One of the two URLs of a service. The token is issued once and never changes."""

    service = models.ForeignKey(
        ShopRegistrationService, on_delete=models.PROTECT, related_name="links"
    )
    seller_type = models.CharField(_("target sellers"), max_length=16, choices=SellerType.choices)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # Flushed from Redis (or incremented in place in the embedded default): see clicks.py.
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service", "seller_type"]
        verbose_name = _("referral link")
        verbose_name_plural = _("referral links")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "seller_type"], name="referrals_one_link_per_seller_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.get_seller_type_display()}"

    def get_absolute_url(self) -> str:
        return reverse("referrals:redirect", kwargs={"token": self.token})

    @property
    def kind(self) -> SellerType:
        return SellerType(self.seller_type)


class DailyClicks(models.Model):
    """Clicks of one link on one UTC day, for the 30-day chart."""

    link = models.ForeignKey(ReferralLink, on_delete=models.CASCADE, related_name="daily_clicks")
    day = models.DateField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["link", "day"], name="referrals_daily_clicks_unique")
        ]

    def __str__(self) -> str:
        return f"{self.link} {self.day}: {self.count}"


class ClickFlush(models.Model):
    """A batch of Redis click counts already added to the database.

    Written in the same transaction as the counts, so a flush that crashed after committing
    finds its batch here when it runs again and only deletes it from Redis.
    """

    flush_id = models.CharField(max_length=40, unique=True)
    clicks = models.PositiveBigIntegerField(default=0)
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("click flush")
        verbose_name_plural = _("click flushes")

    def __str__(self) -> str:
        return self.flush_id


class ReferralSignup(models.Model):
    """A seller who signed up through a link. A seller is attributed once, to one link."""

    link = models.ForeignKey(ReferralLink, on_delete=models.PROTECT, related_name="signups")
    # The id Seller Center gives the account (through sellers.directory), not a local FK.
    seller_account_id = models.CharField(_("seller account id"), max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral sign-up")
        verbose_name_plural = _("referral sign-ups")
        # The 30-day chart counts a link's sign-ups per day.
        indexes = [models.Index(fields=["link", "created_at"], name="referrals_signup_link_day")]

    def __str__(self) -> str:
        return f"seller {self.seller_account_id} via {self.link}"
