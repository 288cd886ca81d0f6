"""SPEC §2: the catalog is data, seeded by `seed_catalog` and editable in admin."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def translated(value: str) -> str:
    """Catalog names are stored in English and marked for translation in catalog.py, so
    they read in the visitor's language; a name ops typed in admin stays as typed."""
    # gettext("") would return the catalog's header, not "".
    return gettext(value) if value else value


class Center(models.TextChoices):
    """SPEC §1.3: two Partner Centers share one codebase; the host decides which."""

    GLOBAL = "global", _("Global Partner Center")
    US = "us", _("US Partner Center")

    @classmethod
    def for_host(cls, host: str) -> "Center":
        hostname = host.split(":", 1)[0].lower()
        return cls.US if hostname in {h.lower() for h in settings.US_HOSTS} else cls.GLOBAL


class Market(models.Model):
    """A target market (SPEC §2.4)."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("market")
        verbose_name_plural = _("markets")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self.name)


class Region(models.Model):
    """A registration region: where the company's business certificate was issued.

    A local region has the market it serves locally; a cross-border region (CN mainland,
    Hong Kong) has none and reaches markets through its partner type's cross-border list.
    """

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=64)
    local_market = models.OneToOneField(
        Market, on_delete=models.PROTECT, null=True, blank=True, related_name="local_region"
    )
    is_cross_border = models.BooleanField(_("cross-border region"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("registration region")
        verbose_name_plural = _("registration regions")
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(is_cross_border=True) & models.Q(local_market__isnull=False)),
                name="categories_region_local_or_cross_border",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self.name)


class Track(models.TextChoices):
    SERVICE_PARTNER = "service", _("Service partner")
    DEVELOPER = "developer", _("Developer")


class PartnerRoleQuerySet(models.QuerySet["PartnerRole"]):
    def developer(self):
        """The roles that make a partner a developer (ISV or seller in-house, SPEC §2.2)."""
        return self.filter(track=Track.DEVELOPER)


class PartnerRole(models.Model):
    """What an approved category makes the partner (SPEC §1.6: one menu per role)."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=80)
    track = models.CharField(max_length=16, choices=Track.choices)
    # SPEC §4.2: only app developers (ISV) publish public apps; a seller in-house developer
    # builds custom apps that its own shop alone may authorize (SPEC §4.7).
    publishes_public_apps = models.BooleanField(_("may publish public apps"), default=False)
    builds_for_own_shop = models.BooleanField(
        _("builds custom apps for its own shop only"), default=False
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = PartnerRoleQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("partner role")
        verbose_name_plural = _("partner roles")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self.name)

    @property
    def is_developer(self) -> bool:
        return self.track == Track.DEVELOPER


class PartnerType(models.Model):
    """A business guide card (SPEC §2.1)."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    track = models.CharField(max_length=16, choices=Track.choices)
    cross_border_markets = models.ManyToManyField(
        Market,
        blank=True,
        related_name="+",
        verbose_name=_("markets open to cross-border partners"),
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("partner type")
        verbose_name_plural = _("partner types")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self.name)

    @property
    def display_description(self) -> str:
        return translated(self.description)


class ServiceCategoryQuerySet(models.QuerySet["ServiceCategory"]):
    def open_for_applications(self):
        return self.filter(discontinued=False)


class ServiceCategory(models.Model):
    """First category › secondary category, and the partner role it grants (SPEC §2.2)."""

    code = models.SlugField(unique=True)
    first_level = models.CharField(_("first category"), max_length=80)
    name = models.CharField(_("secondary category"), max_length=80)
    role = models.ForeignKey(PartnerRole, on_delete=models.PROTECT, related_name="categories")
    partner_types = models.ManyToManyField(PartnerType, related_name="categories")
    markets = models.ManyToManyField(Market, related_name="categories")
    open_to_local = models.BooleanField(_("open to local partners"), default=True)
    open_to_cross_border = models.BooleanField(_("open to cross-border partners"), default=True)
    discontinued = models.BooleanField(
        _("discontinued"),
        default=False,
        help_text=_(
            "No new applications and no new seller authorizations; approved partners keep "
            "their status."
        ),
    )
    grants_shop_registration = models.BooleanField(
        _("grants the shop registration service"), default=False
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ServiceCategoryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "first_level", "name"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return f"{self.display_first_level} › {self.display_name}"

    @property
    def display_first_level(self) -> str:
        return translated(self.first_level)

    @property
    def display_name(self) -> str:
        return translated(self.name)
