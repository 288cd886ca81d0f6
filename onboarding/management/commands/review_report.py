"""SPEC §7: report the review pipeline — counts by status, category, market and age, the
oldest pending application and the median time to a decision.

A handful of aggregate queries whatever the size of the table: one GROUP BY over
(state, category, market) answers the three count tables, the waiting-time bands and the
oldest pending application read the (state, submitted_at) index, and the median is
PostgreSQL's percentile_cont (on SQLite: the middle row of the sorted durations, fetched
alone).
"""

import json
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connections
from django.db.models import Aggregate, Count, DurationField, F
from django.utils import timezone

from categories.models import Market, ServiceCategory
from onboarding.models import Application, State

# SPEC §7 / the reviewer queue's waiting filter: (label, from days, to days).
AGE_BANDS = [
    ("< 1 day", 0, 1),
    ("1-3 days", 1, 3),
    ("3-7 days", 3, 7),
    ("> 7 days", 7, None),
]


def status_category_market_counts(applications) -> list[tuple[str, int, int, int]]:
    """(state, category id, market id, how many): one GROUP BY for every count table."""
    rows = (
        applications.order_by()
        .values_list("state", "category_id", "market_id")
        .annotate(n=Count("pk"))
    )
    return list(rows)


class Median(Aggregate):
    """PostgreSQL's continuous median (of intervals, here)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def median_time_to_decision(applications) -> timedelta | None:
    """Median of decided_at - submitted_at over decided applications (their last round)."""
    decided = applications.filter(decided_at__isnull=False, submitted_at__isnull=False)
    took = F("decided_at") - F("submitted_at")
    if connections[decided.db].vendor == "postgresql":
        return decided.order_by().aggregate(median=Median(took))["median"]
    # Elsewhere: sort the durations in the database and read only the middle one or two.
    count = decided.count()
    if not count:
        return None
    durations = decided.annotate(took=took).order_by("took")
    middle = list(durations.values_list("took", flat=True)[(count - 1) // 2 : count // 2 + 1])
    return sum(middle, timedelta()) / len(middle)


def oldest_pending(applications):
    return (
        applications.awaiting_review()
        .exclude(submitted_at=None)
        .select_related("user", "category", "market")
        .order_by("submitted_at", "pk")
        .first()
    )


def build_report(applications=None, *, now=None) -> dict:
    """The whole report as plain data (what --json prints)."""
    applications = Application.objects.all() if applications is None else applications
    now = now or timezone.now()
    by_status = dict.fromkeys(State.values, 0)
    by_category: dict[int, dict] = {}
    by_market: dict[int, dict] = {}
    for state, category_id, market_id, n in status_category_market_counts(applications):
        by_status[state] += n
        for table, key in ((by_category, category_id), (by_market, market_id)):
            row = table.setdefault(key, dict.fromkeys(State.values, 0))
            row[state] += n
    categories = ServiceCategory.objects.in_bulk(list(by_category))
    markets = Market.objects.in_bulk(list(by_market))
    bands = applications.awaiting_review().waiting_bands(
        [(low, high) for _label, low, high in AGE_BANDS], now=now
    )
    oldest = oldest_pending(applications)
    median = median_time_to_decision(applications)
    return {
        "generated_at": now.isoformat(),
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_category": [
            {"code": categories[pk].code, "name": str(categories[pk]), **_totals(counts)}
            for pk, counts in sorted(by_category.items(), key=lambda i: categories[i[0]].code)
        ],
        "by_market": [
            {"code": markets[pk].code, "name": markets[pk].name, **_totals(counts)}
            for pk, counts in sorted(by_market.items(), key=lambda i: markets[i[0]].code)
        ],
        "pending_by_age": dict(zip([label for label, *_ in AGE_BANDS], bands, strict=True)),
        "oldest_pending": oldest
        and {
            "id": oldest.pk,
            "partner": oldest.user.email,
            "category": oldest.category.code,
            "market": oldest.market.code,
            "submitted_at": oldest.submitted_at.isoformat(),
            "waiting_days": round((now - oldest.submitted_at).total_seconds() / 86400, 1),
        },
        "median_time_to_decision_hours": None
        if median is None
        else round(median.total_seconds() / 3600, 1),
    }


def _totals(counts: dict) -> dict:
    return {"total": sum(counts.values()), "by_status": counts}


class Command(BaseCommand):
    help = (
        "Report the review pipeline: applications by status, category and market, pending "
        "applications by waiting time (< 1 day, 1-3, 3-7, > 7 days), the oldest pending "
        "one and the median time from submission to decision."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the report as JSON"
        )

    def handle(self, *args, as_json: bool = False, **options):
        report = build_report()
        if as_json:
            self.stdout.write(_dumps(report))
        else:
            self.write_text(report)

    def write_text(self, report: dict) -> None:
        out = self.stdout.write
        labels = dict(State.choices)
        out(self.style.MIGRATE_HEADING(f"Review pipeline at {report['generated_at']}"))
        out(f"{report['total']:,} applications")
        out(self.style.MIGRATE_HEADING("By status"))
        for state, n in report["by_status"].items():
            out(f"  {labels[state]:<24} {n:>10,}")
        header = "".join(f"{labels[s][:14]:>16}" for s in State.values)
        for title, key in (("By category", "by_category"), ("By market", "by_market")):
            out(self.style.MIGRATE_HEADING(title))
            out(f"  {'':<40}{'total':>10}{header}")
            for row in report[key]:
                cells = "".join(f"{row['by_status'][s]:>16,}" for s in State.values)
                out(f"  {row['name'][:40]:<40}{row['total']:>10,}{cells}")
        out(self.style.MIGRATE_HEADING("Pending review, by time since submission"))
        for label, n in report["pending_by_age"].items():
            out(f"  {label:<24} {n:>10,}")
        oldest = report["oldest_pending"]
        out(self.style.MIGRATE_HEADING("Oldest pending"))
        if oldest:
            out(
                f"  #{oldest['id']} {oldest['partner']} {oldest['category']} in "
                f"{oldest['market']}: submitted {oldest['submitted_at']}, waiting "
                f"{oldest['waiting_days']} days"
            )
        else:
            out("  none")
        median = report["median_time_to_decision_hours"]
        out(self.style.MIGRATE_HEADING("Median time to decision"))
        out("  no decisions yet" if median is None else f"  {median} hours")


def _dumps(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)
