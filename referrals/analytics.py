"""SPEC §5.6: what the link management page shows: clicks, sign-ups, conversion, and a
30-day chart drawn on the server as SVG (no JavaScript, no CDN)."""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import DailyClicks, ReferralLink, ReferralSignup, ShopRegistrationService

DAYS = 30


@dataclass
class LinkStats:
    link: ReferralLink
    clicks: int
    signups: int
    daily_clicks: list[int] = field(default_factory=list)
    daily_signups: list[int] = field(default_factory=list)

    @property
    def conversion(self) -> float | None:
        """Sign-ups per click, in percent; None before the first click."""
        if not self.clicks:
            return None
        return round(100 * self.signups / self.clicks, 1)


def last_days(today: date | None = None) -> list[date]:
    today = today or timezone.now().date()
    return [today - timedelta(days=offset) for offset in range(DAYS - 1, -1, -1)]


def service_stats(service: ShopRegistrationService, *, today: date | None = None):
    """(days, stats per link: local first). Four queries, whatever the traffic."""
    days = last_days(today)
    links = list(
        ReferralLink.objects.filter(service=service)
        .annotate(signup_count=Count("signups"))
        .order_by("-seller_type")  # "local" before "cross_border"
    )
    index = {day: i for i, day in enumerate(days)}
    clicks = {link.pk: [0] * DAYS for link in links}
    signups = {link.pk: [0] * DAYS for link in links}
    for link_id, day, count in DailyClicks.objects.filter(
        link__in=links, day__gte=days[0]
    ).values_list("link_id", "day", "count"):
        if day in index:
            clicks[link_id][index[day]] = count
    per_day = (
        ReferralSignup.objects.filter(link__in=links, created_at__date__gte=days[0])
        .annotate(day=TruncDate("created_at"))
        .values_list("link_id", "day")
        .annotate(n=Count("pk"))
    )
    for link_id, day, count in per_day:
        if day in index:
            signups[link_id][index[day]] = count
    stats = [
        LinkStats(
            link=link,
            clicks=link.clicks,
            signups=link.signup_count,
            daily_clicks=clicks[link.pk],
            daily_signups=signups[link.pk],
        )
        for link in links
    ]
    return days, stats


def daily_rows(days: list[date], stats: list[LinkStats]) -> list[tuple[date, list]]:
    """The chart's numbers as table rows, newest day first: (day, [(clicks, sign-ups)…])."""
    rows = [
        (day, [(s.daily_clicks[i], s.daily_signups[i]) for s in stats])
        for i, day in enumerate(days)
    ]
    return rows[::-1]


# --- the chart ----------------------------------------------------------------------------

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28


def _nice_ceiling(value: int) -> int:
    """1, 2 or 5 times 10^n at or above value, so the axis reads in round numbers."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def clicks_chart(days: list[date], stats: list[LinkStats]) -> dict:
    """Geometry for `_clicks_chart.html`: grouped bars, one colour per link."""
    series = [s for s in stats if s.daily_clicks]
    top = _nice_ceiling(max((max(s.daily_clicks) for s in series), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(days)
    bar_w = max(1.0, (slot - 2) / max(1, len(series)))
    bars = []
    for i, day in enumerate(days):
        for j, s in enumerate(series):
            value = s.daily_clicks[i]
            h = plot_h * value / top
            bars.append(
                {
                    "x": round(LEFT + i * slot + 1 + j * bar_w, 2),
                    "y": round(TOP + plot_h - h, 2),
                    "w": round(bar_w, 2),
                    "h": round(h, 2),
                    "kind": s.link.seller_type,
                    "title": f"{day:%Y-%m-%d} · {s.link.get_seller_type_display()}: {value}",
                }
            )
    ticks = [
        {"y": round(TOP + plot_h - plot_h * v / top, 2), "label": v}
        for v in sorted({0, top // 2, top})
    ]
    labels = [
        {"x": round(LEFT + i * slot + slot / 2, 2), "label": f"{day:%m-%d}"}
        for i, day in enumerate(days)
        if i % 5 == 4 or i == 0
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "axis_y": TOP + plot_h,
        "label_y": HEIGHT - 8,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "total": sum(sum(s.daily_clicks) for s in series),
    }
