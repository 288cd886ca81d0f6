"""SPEC §3.12: reviewers work here. Decisions go through `services.decide_application`, which
locks the row and runs the FSM transition; the admin never writes the state itself."""

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from reviews.admin import (
    CatalogFilter,
    EstimatedCountPaginator,
    HistoryInline,
    QueueOrdering,
    ReviewAdminMixin,
    WaitingFilter,
)

from . import services
from .forms import RejectForm
from .models import (
    REVIEW_PERMISSION,
    Application,
    ApplicationTransition,
    CompanyEntity,
    Platform,
    State,
    field_label,
)
from .uploads import thumbnail_name

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)


def document_previews(files) -> str:
    """Thumbnails linking to the full document, both served by the owner-or-reviewer view."""
    shown = [(label, f) for label, f in files if f]
    if not shown:
        return "—"
    return format_html_join(
        "",
        '<figure class="onboarding-doc">'
        '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}"></a>'
        "<figcaption>{}</figcaption></figure>",
        ((f.url, f.storage.url(thumbnail_name(f.name)), label, label) for label, f in shown),
    )


def entity_documents(entity: CompanyEntity | None) -> str:
    if entity is None:
        return "—"
    return document_previews(
        [
            (_("Business certificate"), entity.business_certificate),
            (
                _("Identity document (%(type)s)") % {"type": entity.get_id_document_type_display()},
                entity.id_document,
            ),
            (_("Partner logo"), entity.logo),
        ]
    )


class StatusFilter(admin.ChoicesFieldListFilter):
    """The queue is work to do: drafts are the partner's, not the reviewer's, so the default
    ("All") leaves them out (QueueChangeList); "Draft" still lists them."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["query_string"] == changelist.get_query_string(
                remove=self.expected_parameters()
            ):
                choice["display"] = _("All but drafts")
            yield choice


class QueueChangeList(QueueOrdering, ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if not any(name.startswith("state__") for name in request.GET):
            queryset = queryset.exclude(state=State.DRAFT)
        return queryset


def current_value(obj, name: str) -> str:
    """A field's value as the partner entered it, in words, for the reviewer's note box."""
    value = getattr(obj, name)
    field = obj._meta.get_field(name)
    if isinstance(field, models.FileField):
        return value.name.rsplit("/", 1)[-1] if value else "—"
    if field.choices and value not in (None, ""):
        return str(getattr(obj, f"get_{name}_display")())
    if isinstance(value, list):  # the e-commerce platforms
        labels = dict(Platform.choices)
        return ", ".join(str(labels.get(v, v)) for v in value) or "—"
    if value in (None, ""):
        return "—"
    return str(value)


def reject_fields_for(application: Application) -> list[tuple[str, str]]:
    """(note key, current value) of the fields worth a note on this application: the category
    fields, and the entity's while it can still change (SPEC §3.9), leaving out what its
    partner was never asked for (cross-border fields of a local partner, the termination date
    of a permanent certificate)."""
    from .forms import reviewable_fields
    from .models import CertificateValidity

    entity = CompanyEntity.objects.filter(user_id=application.user_id).first()
    skipped = set()
    if entity is None or entity.is_frozen:
        skipped = {key for key, _label in reviewable_fields() if key.startswith("entity-")}
    else:
        if not entity.is_cross_border:
            skipped |= {f"entity-{name}" for name in CompanyEntity.CROSS_BORDER_FIELDS}
        if entity.certificate_validity != CertificateValidity.APPOINTED:
            skipped.add("entity-certificate_expires_on")
    fields = []
    for key, _label in reviewable_fields():
        if key in skipped:
            continue
        if key.startswith("entity-"):
            fields.append((key, current_value(entity, key.removeprefix("entity-"))))
        else:
            fields.append((key, current_value(application, key)))
    return fields


class ApplicationRejectForm(RejectForm):
    """The reject page of one application: a note box per relevant field, each shown with
    the value the partner entered."""

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        relevant = dict(reject_fields_for(application))
        for name in [n for n in self.fields if n.startswith("field__")]:
            key = name.removeprefix("field__")
            if key not in relevant:
                del self.fields[name]
            else:
                field: Any = self.fields[name]  # the template shows what the partner entered
                field.current_value = relevant[key]


class PartnerSearch:
    """The reviewer's search box: a partner's email, company legal name, partner name or
    registration number (every word must be in one of them), or the id of what is listed.

    Partners are looked up first, in one query on their own tables, where trigram indexes
    serve `icontains` (migration 0004); the listed rows then come through the user index.
    Django's own search would match each word against the rows joined to the users and
    entities, a scan of the whole queue.
    """

    search_help_text: "StrOrPromise | None" = gettext_lazy(
        "Partner email, company legal name, partner name, registration number, or an id."
    )
    # Past this many partners the match is kept as a subquery rather than a list of ids.
    PARTNER_IDS_INLINE = 1000

    def get_search_results(self, request, queryset, search_term):
        words = search_words(search_term)
        if not words:
            return queryset, False
        number = words[0].lstrip("#") if len(words) == 1 else ""
        if number.isdigit() and len(number) < 3:
            # Too short for a trigram: every partner would be read. The id only.
            return queryset.filter(pk=int(number)), False
        partners = matching_partner_ids(words)
        ids = list(partners[: self.PARTNER_IDS_INLINE + 1])
        found = Q(user_id__in=ids if len(ids) <= self.PARTNER_IDS_INLINE else partners)
        if number.isdigit():
            found |= Q(pk=int(number))
        return queryset.filter(found), False


def search_words(search_term: str) -> list[str]:
    words = []
    for word in smart_split(search_term):
        if len(word) > 1 and word[0] in "\"'" and word[0] == word[-1]:
            word = unescape_string_literal(word)
        if word:
            words.append(word)
    return words


def matching_partner_ids(words: list[str]):
    """The ids of the users whose email holds every word, or whose company entity holds
    every word in its legal name, partner name or registration number: one query."""
    from accounts.models import User

    by_email = User.objects.all()
    by_entity = CompanyEntity.objects.all()
    for word in words:
        by_email = by_email.filter(email__icontains=word)
        by_entity = by_entity.filter(
            Q(legal_name__icontains=word)
            | Q(partner_name__icontains=word)
            | Q(registration_number__icontains=word)
        )
    return by_email.values_list("pk", flat=True).union(by_entity.values_list("user_id", flat=True))


class TransitionInline(HistoryInline):
    model = ApplicationTransition
    fields = ("at", "by", "step", "change", "reason", "reasons_per_field")
    verbose_name_plural = gettext_lazy("Review history")

    @admin.display(description=gettext_lazy("per-field reasons"))
    def reasons_per_field(self, obj):
        return format_html_join(
            "", "<div>{}: {}</div>", ((field_label(k), v) for k, v in obj.field_reasons.items())
        )


@admin.register(Application)
class ApplicationAdmin(PartnerSearch, ReviewAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/onboarding/application/change_form.html"
    # The reviewer's key columns first and short, so they show at 1366 px beside the filters;
    # the region is a filter on the right and a field on the detail page.
    list_display = (
        "id",
        "status",
        "submitted",
        "waiting",
        "partner",
        "category_name",
        "market_code",
    )
    # One link a row: each costs a reverse() and, under a filter, a resolve() to keep it.
    list_display_links = ("id",)
    # Reviewers work from the front of the queue: 50 rows fill two screens, and rendering
    # each row is most of the page's time.
    list_per_page = 50
    list_filter = (
        ("state", StatusFilter),
        ("region", CatalogFilter),
        ("market", CatalogFilter),
        ("category", CatalogFilter),
        ("partner_type", CatalogFilter),
        WaitingFilter,
    )
    # What the search box looks in: see PartnerSearch (the fields name them for the box).
    search_fields = (
        "user__email",
        "user__company_entity__legal_name",
        "user__company_entity__partner_name",
        "user__company_entity__registration_number",
    )
    list_select_related = ("user", "category", "market", "region")
    # No second count of the whole table under the filtered one, and an estimated count
    # for the unfiltered queue (EstimatedCountPaginator).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # No date_hierarchy: its month links scan every row of the filtered queue on each page
    # load (170 ms at a million applications). WaitingFilter answers "how long has it
    # waited" from the index instead.
    ordering = ("submitted_at", "pk")
    actions = ["approve_selected", "reject_selected"]
    inlines = [TransitionInline]
    fieldsets = (
        (
            gettext_lazy("Application"),
            {
                "fields": (
                    "user",
                    "state",
                    "partner_type",
                    "region",
                    "market",
                    "category",
                    "submitted_at",
                    "decided_at",
                    "decided_by",
                    "rejection_reason",
                )
            },
        ),
        (
            gettext_lazy("Category information"),
            {"fields": ("service_plan", "team_size", "case_url", "category_document")},
        ),
        (
            gettext_lazy("Company entity (common qualification info)"),
            {"fields": ("entity_summary", "entity_document_previews")},
        ),
    )

    # Everything is read-only: the state moves only through the decision buttons.
    def get_readonly_fields(self, request, obj=None):
        return [
            "user",
            "state",
            "partner_type",
            "region",
            "market",
            "category",
            "submitted_at",
            "decided_at",
            "decided_by",
            "rejection_reason",
            "service_plan",
            "team_size",
            "case_url",
            "category_document",
            "entity_summary",
            "entity_document_previews",
        ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    review_permission = REVIEW_PERMISSION

    # --- columns and read-only fields ------------------------------------------------------

    @admin.display(description=gettext_lazy("partner"), ordering="user__email")
    def partner(self, obj):
        return obj.user.email

    @admin.display(description=gettext_lazy("status"), ordering="state")
    def status(self, obj):
        return obj.get_state_display()

    @admin.display(description=gettext_lazy("submitted"), ordering="submitted_at")
    def submitted(self, obj):
        if not obj.submitted_at:
            return "—"
        return date_format(timezone.localtime(obj.submitted_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=gettext_lazy("category"), ordering="category__name")
    def category_name(self, obj):
        return obj.category.display_name

    @admin.display(description=gettext_lazy("market"), ordering="market__code")
    def market_code(self, obj):
        return format_html('<abbr title="{}">{}</abbr>', obj.market.display_name, obj.market.code)

    @admin.display(description=gettext_lazy("waiting"))
    def waiting(self, obj):
        if obj.state != State.PENDING_REVIEW or not obj.submitted_at:
            return "—"
        days = (timezone.now() - obj.submitted_at).days
        return _("%(days)s d") % {"days": days}

    @admin.display(description=gettext_lazy("supporting document"))
    def category_document(self, obj):
        return document_previews([(_("Supporting document"), obj.supporting_document)])

    @admin.display(description=gettext_lazy("entity"))
    def entity_summary(self, obj):
        entity = CompanyEntity.objects.filter(user_id=obj.user_id).first()
        if entity is None:
            return "—"
        url = reverse("admin:onboarding_companyentity_change", args=[entity.pk])
        facts = [
            (_("Legal name"), entity.legal_name),
            (_("Registration number"), entity.registration_number),
            (_("Partner name"), entity.partner_name),
            (_("Registered"), entity.registered_on),
            (_("Certificate"), entity.get_certificate_validity_display()),
            (_("Approved"), entity.approved_at or _("not yet")),
        ]
        rows = format_html_join("", "<div><b>{}:</b> {}</div>", facts)
        return format_html('{}<a href="{}">{}</a>', rows, url, _("Open the company entity"))

    @admin.display(description=gettext_lazy("documents"))
    def entity_document_previews(self, obj):
        return entity_documents(CompanyEntity.objects.filter(user_id=obj.user_id).first())

    # --- decisions ------------------------------------------------------------------------

    def decide(self, request, object_id, **decision) -> bool:
        try:
            application = services.decide_application(
                application_id=object_id, by=request.user, **decision
            )
        except Application.DoesNotExist as exc:
            raise Http404 from exc
        except services.DecisionRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return False
        self.message_user(
            request,
            _("Application #%(pk)s is now %(state)s; the partner is notified.")
            % {"pk": application.pk, "state": application.get_state_display()},
            messages.SUCCESS,
        )
        return True

    def reject_form(self, request):
        return RejectForm(request.POST or None)

    def reject_form_for(self, request, obj):
        return ApplicationRejectForm(request.POST or None, application=obj)

    def reject_decision(self, form) -> dict:
        return {"reason": form.cleaned_data["reason"], "field_reasons": form.field_reasons()}

    def reject_context(self, obj) -> dict:
        return {
            "title": _("Reject application #%(pk)s") % {"pk": obj.pk},
            "intro": _(
                "Reject %(category)s in %(market)s for %(user)s. The partner sees the reason "
                'behind "Fix it", and the per-field notes beside each field.'
            )
            % {"category": obj.category, "market": obj.market, "user": obj.user},
            "submit_label": _("Reject application"),
            "field_notes": True,
        }

    @admin.action(description=gettext_lazy("Approve selected applications"), permissions=["review"])
    def approve_selected(self, request, queryset):
        self._decide_many(request, queryset, approve=True)

    @admin.action(description=gettext_lazy("Reject selected applications…"), permissions=["review"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None, with_fields=False)
        if form.is_bound and form.is_valid():
            self._decide_many(request, queryset, approve=False, reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "reject_selected",
            "title": _("Reject %(n)s applications") % {"n": queryset.count()},
            "breadcrumb": _("Reject selected"),
            "submit_label": _("Reject applications"),
        }
        return TemplateResponse(
            request, "admin/onboarding/application/reject_selected.html", context
        )

    def _decide_many(self, request, queryset, **decision) -> None:
        """Each application is decided (and committed) on its own, so one that fails leaves
        the others decided; the reviewer is told exactly which were and which were not."""
        done, refused = [], []
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                services.decide_application(application_id=pk, by=request.user, **decision)
            except services.DecisionRefused as exc:
                refused.append(f"#{pk}: {exc}")
            except Exception:
                logger.exception("Application %s could not be decided in a bulk action.", pk)
                refused.append(
                    f"#{pk}: " + _("could not be decided (an error occurred); nothing changed.")
                )
            else:
                done.append(f"#{pk}")
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(n)s application decided: %(ids)s.",
                    "%(n)s applications decided: %(ids)s.",
                    len(done),
                )
                % {"n": len(done), "ids": ", ".join(done)},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(n)s application not decided: %(reasons)s",
                    "%(n)s applications not decided: %(reasons)s",
                    len(refused),
                )
                % {"n": len(refused), "reasons": " ".join(refused)},
                messages.WARNING,
            )


@admin.register(CompanyEntity)
class CompanyEntityAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "partner_name", "user", "region", "approved_at")
    list_filter = (("region", CatalogFilter), ("approved_at", admin.EmptyFieldListFilter))
    search_fields = ("legal_name", "partner_name", "registration_number", "user__email")
    list_select_related = ("user", "region")
    # One estimated count, not two exact ones, of a hundred thousand entities.
    show_full_result_count = False
    list_per_page = 50
    paginator = EstimatedCountPaginator
    readonly_fields = ("document_previews", "approved_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        # SPEC §3.9: once approved nothing can be edited; the model refuses it too.
        if obj is not None and obj.is_frozen:
            return [f.name for f in self.model._meta.fields] + ["document_previews"]
        return super().get_readonly_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("document previews"))
    def document_previews(self, obj):
        return entity_documents(obj)
