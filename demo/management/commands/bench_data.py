"""Fill the database with benchmark partners (bench/pages.py, EXPLAIN checks).

Every partner gets a verified account, company entity info and ten category applications
(drafts, pending, approved, not approved), with the review history and the notifications
their decisions sent. Developers get apps; shop registration partners a published service,
its two referral links, 30 days of clicks and some sign-ups; some developers a compliance
review. Every row belongs to an account at @bench.example, so `--reset` finds them all.

Rows are generated in Python and written with COPY on PostgreSQL (bulk INSERTs elsewhere),
with their ids assigned here so children can point at parents without reading them back.
Model code (save(), transitions) is bypassed on purpose: this is load, not behaviour.
"""

import json
import random
import secrets
import sys
import time
import uuid
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from apps_services import crypto
from apps_services.models import App, AppEvent
from categories.catalog import seed as seed_catalog
from categories.models import Market, PartnerType, Region, ServiceCategory
from compliance.models import ComplianceReview, ComplianceTransition
from demo.seed.accounts import ensure_reviewers_group
from notifications.models import Notification
from onboarding.models import (
    Application,
    ApplicationTransition,
    CompanyEntity,
    State,
)
from open_api.models import (
    AccessToken,
    AuthCode,
    Authorization,
    RefreshToken,
    WebhookAttempt,
    WebhookDelivery,
)
from referrals.models import (
    DailyClicks,
    ReferralLink,
    ReferralSignup,
    ServiceEvent,
    ShopRegistrationService,
)

DOMAIN = "bench.example"
PASSWORD = "Bench-pass-2026"  # noqa: S105 - every bench account's, printed by --help
REVIEWER_EMAIL = f"reviewer@{DOMAIN}"
APPLICATIONS_PER_PARTNER = 10
# The ten applications of a partner, in the order their (category, market) slots are drawn.
STATES = [State.APPROVED] * 3 + [State.PENDING_REVIEW] * 3 + [State.REJECTED] * 2
STATES += [State.DRAFT] * 2
# Partner i's type; developers ("isv") get apps, "tsp*" a shop registration service.
KINDS = ["isv", "tsp-shop", "cap", "mcn", "tap", "tsp", "isv", "tsp-shop", "seller", "cap"]
SHOP_CATEGORY = "outsourced-shop-registration"
CLICK_DAYS = 30
# Children before parents: the order --reset deletes in (PROTECT foreign keys).
BENCH_MODELS = [
    (ReferralSignup, "link__service__partner"),
    (DailyClicks, "link__service__partner"),
    (ReferralLink, "service__partner"),
    (ServiceEvent, "service__partner"),
    (ShopRegistrationService, "partner"),
    (WebhookAttempt, "delivery__app__owner"),
    (WebhookDelivery, "app__owner"),
    (AccessToken, "app__owner"),
    (RefreshToken, "app__owner"),
    (AuthCode, "app__owner"),
    (Authorization, "app__owner"),
    (AppEvent, "app__owner"),
    (App, "owner"),
    (ComplianceTransition, "review__user"),
    (ComplianceReview, "user"),
    (Notification, "user"),
    (ApplicationTransition, "application__user"),
    (Application, "user"),
    (CompanyEntity, "user"),
    (EmailAddress, "user"),
    (User.groups.through, "user"),
    (User, None),
]


class Writer:
    """Inserts rows given as dicts of attnames; fields left out take their default."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.next_id: dict[type, int] = {}
        self.written: dict[type, int] = {}
        self._columns: dict[type, tuple] = {}

    def ids(self, model, count: int) -> range:
        if model not in self.next_id:
            self.next_id[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        start = self.next_id[model]
        self.next_id[model] = start + count
        return range(start, start + count)

    def _layout(self, model):
        if model not in self._columns:
            now = timezone.now()
            fields = [f for f in model._meta.concrete_fields]
            defaults = {}
            for f in fields:
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    defaults[f.attname] = now
                elif f.has_default():
                    defaults[f.attname] = f.get_default()
                elif f.null:
                    defaults[f.attname] = None
                else:
                    defaults[f.attname] = "" if f.empty_strings_allowed else None
            self._columns[model] = (fields, defaults)
        return self._columns[model]

    def write(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        fields, defaults = self._layout(model)
        if model._meta.pk.attname not in rows[0]:  # the database numbers these rows
            fields = [f for f in fields if not f.primary_key]
        names = [f.attname for f in fields]
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        if self.postgres:
            as_json = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    values = [row.get(name, defaults[name]) for name in names]
                    for i in as_json:
                        values[i] = json.dumps(values[i])
                    copy.write_row(values)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            params = [
                [
                    f.get_db_prep_save(row.get(f.attname, defaults[f.attname]), connection)
                    for f in fields
                ]
                for row in rows
            ]
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                    params,
                )
        self.written[model] = self.written.get(model, 0) + len(rows)

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next_id))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class Catalog:
    """The (category, market) slots each partner type can apply for, and the ids bench rows
    point at, read once."""

    def __init__(self) -> None:
        if not Market.objects.exists():
            seed_catalog()
        self.markets = {m.code: m.pk for m in Market.objects.all()}
        self.regions = {r.code: r.pk for r in Region.objects.all()}
        self.types = {t.code: t.pk for t in PartnerType.objects.all()}
        self.slots: dict[str, list[tuple[int, int]]] = {}
        for code in ("isv", "tsp", "cap", "mcn", "tap", "seller"):
            self.slots[code] = [
                (category.pk, market.pk)
                for category in ServiceCategory.objects.filter(
                    partner_types__code=code, discontinued=False, grants_shop_registration=False
                ).order_by("pk")
                for market in category.markets.order_by("pk")
            ]
        shop = ServiceCategory.objects.get(code=SHOP_CATEGORY)
        self.shop_slot = (shop.pk, self.markets["US"])
        self.market_codes = {pk: code for code, pk in self.markets.items()}
        # What a decision notification's params name (Notification.params).
        self.category_names = {
            c.pk: (c.name, c.first_level)
            for c in ServiceCategory.objects.only("name", "first_level")
        }
        self.market_names = {m.pk: m.name for m in Market.objects.only("name")}


class Command(BaseCommand):
    help = (
        "Fill the database with benchmark partners at @bench.example (password "
        f"{PASSWORD}; reviewer {REVIEWER_EMAIL}): entity info, 10 applications each in "
        "every state with their history and notifications, apps, referral links and clicks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=1000, help="default: 1000")
        parser.add_argument(
            "--reset", action="store_true", help="delete every @bench.example row first"
        )
        parser.add_argument("--batch", type=int, default=2000, help="partners per transaction")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (repeatable)")

    def handle(self, *args, partners, reset, batch, seed, **options):
        if partners < 0 or batch < 1:
            raise CommandError("--partners must be >= 0 and --batch >= 1.")
        if reset:
            self.reset()
        elif (
            User.objects.filter(email__endswith=f"@{DOMAIN}").exclude(email=REVIEWER_EMAIL).exists()
        ):
            raise CommandError("Bench rows exist already: add --reset to replace them.")
        self.writer = Writer()
        self.catalog = Catalog()
        self.rng = random.Random(seed)  # noqa: S311 - repeatable data, not secrets
        self.now = timezone.now()
        self.password = make_password(PASSWORD)
        self.secret = crypto.encrypt(secrets.token_hex(20))
        self.reviewer_id = self.ensure_reviewer()
        started = time.monotonic()
        done = 0
        try:
            while done < partners:
                size = min(batch, partners - done)
                with transaction.atomic():
                    self.write_partners(size)
                done += size
                self.progress(done, partners, started)
        finally:
            # Ids were assigned here: the sequences must move past them, even after a crash.
            self.writer.reset_sequences()
        self.stdout.write("")
        self.analyze()
        elapsed = time.monotonic() - started
        for model, count in self.writer.written.items():
            self.stdout.write(f"  {model._meta.label:<36} {count:>10,}")
        applications = self.writer.written.get(Application, 0)
        self.stdout.write(
            self.style.SUCCESS(
                f"{partners:,} partners, {applications:,} applications in {elapsed:.1f} s "
                f"({applications / max(elapsed, 1e-9) * 60:,.0f} applications a minute)."
            )
        )

    # --- bookkeeping -------------------------------------------------------------------------

    def progress(self, done: int, total: int, started: float) -> None:
        elapsed = time.monotonic() - started
        width = 30
        filled = width * done // max(total, 1)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} partners · "
            f"{self.writer.written.get(Application, 0):,} applications · {elapsed:.1f} s"
        )
        # One line per batch when the output is a log file, an updated line on a terminal.
        ending = "" if sys.stdout.isatty() else "\n"
        self.stdout.write(("\r" if ending == "" else "") + line, ending=ending)
        self.stdout.flush()

    def reset(self) -> None:
        started = time.monotonic()
        bench_users = User.objects.filter(email__endswith=f"@{DOMAIN}").values("pk")
        with transaction.atomic():
            for model, owner in BENCH_MODELS:
                rows = model._base_manager.filter(
                    **{f"{owner}__in" if owner else "pk__in": bench_users}
                )
                # A raw DELETE: the collector would load a million rows to cascade them.
                deleted = rows._raw_delete(rows.db)
                if deleted:
                    self.stdout.write(f"  deleted {deleted:>10,} {model._meta.label}")
        self.stdout.write(f"Reset in {time.monotonic() - started:.1f} s.")

    def analyze(self) -> None:
        """Fresh statistics (and, on PostgreSQL, a visibility map for index-only scans)."""
        with connection.cursor() as cursor:
            if self.writer.postgres:
                for model in self.writer.written:
                    cursor.execute(
                        f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
                    )
            else:
                cursor.execute("ANALYZE")

    def ensure_reviewer(self) -> int:
        reviewer = User.objects.filter(email=REVIEWER_EMAIL).first()
        if reviewer is None:
            reviewer = User.objects.create_user(
                email=REVIEWER_EMAIL, password=PASSWORD, is_staff=True
            )
            EmailAddress.objects.create(
                user=reviewer, email=REVIEWER_EMAIL, primary=True, verified=True
            )
            reviewer.groups.add(ensure_reviewers_group())
        return reviewer.pk

    # --- the rows ---------------------------------------------------------------------------

    def ago(self, days: float):
        return self.now - timedelta(days=days)

    def write_partners(self, count: int) -> None:
        w, rng, cat = self.writer, self.rng, self.catalog
        user_ids = w.ids(User, count)
        rows: dict[type[models.Model], list[dict]] = {
            model: [] for model, _owner in reversed(BENCH_MODELS)
        }
        for user_id in user_ids:
            n = user_id  # stable names: the id is unique and never reused by the sequence
            kind = KINDS[n % len(KINDS)]
            partner_type = "tsp" if kind.startswith("tsp") else kind
            email = f"partner{n:07d}@{DOMAIN}"
            joined = self.ago(rng.uniform(30, 400))
            rows[User].append(
                {"id": user_id, "email": email, "password": self.password, "date_joined": joined}
            )
            rows[EmailAddress].append(
                {"user_id": user_id, "email": email, "verified": True, "primary": True}
            )
            slots = rng.sample(cat.slots[partner_type], APPLICATIONS_PER_PARTNER)
            if kind == "tsp-shop":
                slots[0] = cat.shop_slot
            home = cat.market_codes[slots[0][1]]
            region_id = cat.regions[home]
            rows[CompanyEntity].append(self.entity(user_id, n, region_id, joined))
            approved = []
            for (category_id, market_id), state in zip(slots, STATES, strict=True):
                application = self.application(
                    user_id, cat.types[partner_type], region_id, category_id, market_id, state
                )
                rows[Application].append(application)
                self.history(application, rows)
                if state == State.APPROVED:
                    approved.append(application)
            if kind == "isv":
                self.apps(user_id, approved, rows)
                self.compliance(user_id, rows)
            if kind == "tsp-shop":
                self.shop_registration(user_id, n, approved[0], rows)
        for model, _owner in reversed(BENCH_MODELS):
            w.write(model, rows[model])

    def entity(self, user_id, n, region_id, joined) -> dict:
        return {
            "user_id": user_id,
            "region_id": region_id,
            "legal_name": f"Bench Company {n:07d} Ltd",
            "registration_number": f"BENCH-{n:07d}",
            "certificate_validity": "permanent",
            "registered_on": (joined - timedelta(days=900)).date(),
            "business_certificate": f"bench/{n}/certificate.png",
            "id_document_type": "passport",
            "id_document": f"bench/{n}/passport.png",
            "contact_email": f"ops{n}@{DOMAIN}",
            "contact_phone": "+442071838750",
            "partner_name": f"Bench Partner {n:07d}",
            "description": "Benchmark partner: LIVE shows and shop management.",
            "customer_count": "11-50",
            "sales_opportunities": "some",
            "created_at": joined,
            "updated_at": joined,
            # The first approval froze it (SPEC §3.9).
            "approved_at": joined + timedelta(days=5),
        }

    def application(self, user_id, type_id, region_id, category_id, market_id, state) -> dict:
        rng = self.rng
        # Waiting times fall off like a real queue: most are recent, some are old.
        submitted = self.ago(min(rng.expovariate(1 / 4), 45)) if state != State.DRAFT else None
        created = (submitted or self.now) - timedelta(hours=rng.uniform(1, 72))
        row = {
            "id": self.writer.ids(Application, 1)[0],
            "user_id": user_id,
            "batch": uuid.uuid4(),
            "partner_type_id": type_id,
            "region_id": region_id,
            "market_id": market_id,
            "category_id": category_id,
            "state": state,
            "service_plan": "Two account managers, weekly LIVE shows.",
            "team_size": rng.randint(2, 40),
            "created_at": created,
            "updated_at": submitted or created,
            "submitted_at": submitted,
        }
        if submitted and state in (State.APPROVED, State.REJECTED):
            decided = min(submitted + timedelta(hours=rng.uniform(2, 96)), self.now)
            row.update(decided_at=decided, decided_by_id=self.reviewer_id, updated_at=decided)
            if state == State.APPROVED:
                row["approved_at"] = decided
            else:
                row["rejection_reason"] = "The business certificate is unreadable."
                row["field_reasons"] = {"entity-business_certificate": "Upload a sharper scan."}
        return row

    def history(self, application, rows) -> None:
        """The audit rows and notifications the application's transitions left."""
        state, user_id = application["state"], application["user_id"]
        if state == State.DRAFT:
            return
        submitted = application["submitted_at"]
        steps = []
        # A third of the pending ones were rejected once and resubmitted.
        if state == State.PENDING_REVIEW and application["id"] % 3 == 0:
            first = submitted - timedelta(days=3)
            steps += [
                ("submit", State.DRAFT, State.PENDING_REVIEW, first, user_id),
                (
                    "reject",
                    State.PENDING_REVIEW,
                    State.REJECTED,
                    first + timedelta(days=1),
                    self.reviewer_id,
                ),
                ("resubmit", State.REJECTED, State.PENDING_REVIEW, submitted, user_id),
            ]
        else:
            steps.append(("submit", State.DRAFT, State.PENDING_REVIEW, submitted, user_id))
        if state in (State.APPROVED, State.REJECTED):
            name = "approve" if state == State.APPROVED else "reject"
            steps.append(
                (name, State.PENDING_REVIEW, state, application["decided_at"], self.reviewer_id)
            )
        for name, source, target, at, by in steps:
            rows[ApplicationTransition].append(
                {
                    "application_id": application["id"],
                    "by_id": by,
                    "at": at,
                    "name": name,
                    "source": source,
                    "target": target,
                    "reason": "The business certificate is unreadable." if name == "reject" else "",
                }
            )
            if name in ("approve", "reject"):
                approved = name == "approve"
                category, first_level = self.catalog.category_names[application["category_id"]]
                params = {
                    "category": category,
                    "first_level": first_level,
                    "market": self.catalog.market_names[application["market_id"]],
                }
                if not approved:
                    params["reason"] = "The business certificate is unreadable."
                rows[Notification].append(
                    {
                        "user_id": user_id,
                        "kind": Notification.Kind.APPLICATION_APPROVED
                        if approved
                        else Notification.Kind.APPLICATION_REJECTED,
                        "title": "Your application is approved"
                        if approved
                        else "Your application was not approved",
                        "body": "Benchmark notification.",
                        "params": params,
                        "url": f"/onboarding/applications/{application['id']}/",
                        "created_at": at,
                        "read_at": at + timedelta(hours=1) if self.rng.random() < 0.7 else None,
                        # Already "emailed": the outbox sweep must not send a million emails.
                        "email_sent_at": at,
                        "attempts": 1,
                    }
                )

    def apps(self, user_id, approved, rows) -> None:
        for application in approved[:2]:
            app_id = self.writer.ids(App, 1)[0]
            created = application["decided_at"] + timedelta(days=1)
            rows[App].append(
                {
                    "id": app_id,
                    "owner_id": user_id,
                    "app_type": "custom",
                    "category_id": application["category_id"],
                    "name": f"Bench App {app_id}",
                    "market_id": application["market_id"],
                    "seller_type": "local",
                    "api_enabled": True,
                    "redirect_url": "https://bench.example/callback",
                    "app_key": f"b{app_id:013d}",
                    "service_id": f"8{app_id:018d}",
                    "secret_encrypted": self.secret,
                    "state": "published",
                    "created_at": created,
                    "updated_at": created,
                    "published_at": created,
                }
            )
            for kind, source, target in (
                ("created", "", "draft"),
                ("published", "draft", "published"),
            ):
                rows[AppEvent].append(
                    {"app_id": app_id, "by_id": user_id, "at": created, "kind": kind,
                     "source": source, "target": target}
                )  # fmt: skip

    def compliance(self, user_id, rows) -> None:
        state = ["pending_review", "approved", "rejected", "draft"][user_id % 4]
        review_id = self.writer.ids(ComplianceReview, 1)[0]
        submitted = self.ago(min(self.rng.expovariate(1 / 5), 40)) if state != "draft" else None
        rows[ComplianceReview].append(
            {
                "id": review_id,
                "user_id": user_id,
                "state": state,
                "data_storage_location": "AWS, eu-west-2 (London)",
                "submitted_at": submitted,
                "consecutive_rejections": 1 if state == "rejected" else 0,
                "decided_at": submitted + timedelta(days=2)
                if submitted and state in ("approved", "rejected")
                else None,
                "decided_by_id": self.reviewer_id if state in ("approved", "rejected") else None,
                "created_at": submitted or self.now,
                "updated_at": submitted or self.now,
            }
        )
        if submitted:
            rows[ComplianceTransition].append(
                {"review_id": review_id, "by_id": user_id, "at": submitted, "name": "submit",
                 "source": "draft", "target": "pending_review", "answers": {}}
            )  # fmt: skip

    def shop_registration(self, user_id, n, application, rows) -> None:
        service_id = self.writer.ids(ShopRegistrationService, 1)[0]
        published = application["decided_at"] + timedelta(hours=6)
        rows[ShopRegistrationService].append(
            {
                "id": service_id,
                "partner_id": user_id,
                "category_id": application["category_id"],
                "market_id": application["market_id"],
                "name": f"Bench Shop Setup {n}",
                "description": "We open your TikTok Shop in a week.",
                "contact_email": f"shop{n}@{DOMAIN}",
                "state": "on",
                "created_at": published,
                "updated_at": published,
                "published_at": published,
            }
        )
        rows[ServiceEvent].append(
            {"service_id": service_id, "by_id": user_id, "name": "publish", "source": "draft",
             "target": "on", "note": "United States", "at": published}
        )  # fmt: skip
        today = self.now.date()
        for seller_type in ("local", "cross_border"):
            link_id = self.writer.ids(ReferralLink, 1)[0]
            daily = [self.rng.randint(0, 40) for _day in range(CLICK_DAYS)]
            rows[ReferralLink].append(
                {
                    "id": link_id,
                    "service_id": service_id,
                    "seller_type": seller_type,
                    "token": f"bench{link_id:011d}{secrets.token_urlsafe(12)}",
                    "clicks": sum(daily),
                    "created_at": published,
                }
            )
            for offset, count in enumerate(daily):
                rows[DailyClicks].append(
                    {"link_id": link_id, "day": today - timedelta(days=offset), "count": count}
                )
            for k in range(3):
                rows[ReferralSignup].append(
                    {
                        "link_id": link_id,
                        "seller_account_id": f"bench-{link_id}-{k}",
                        "created_at": self.ago(self.rng.uniform(0, CLICK_DAYS)),
                    }
                )
