"""SPEC §5.6: what the link management page shows: clicks, sign-ups, conversion, and a
30-day chart of all three drawn on the server as SVG (no JavaScript, no CDN)."""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

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


def _rate(signups: int, clicks: int) -> float | None:
    return round(100 * signups / clicks, 1) if clicks else None


def daily_rows(days: list[date], stats: list[LinkStats]) -> list[tuple[date, list]]:
    """The chart's numbers as table rows, newest day first:
    (day, [(clicks, sign-ups, conversion or None)…], one cell per link)."""
    rows = [
        (
            day,
            [
                (
                    s.daily_clicks[i],
                    s.daily_signups[i],
                    _rate(s.daily_signups[i], s.daily_clicks[i]),
                )
                for s in stats
            ],
        )
        for i, day in enumerate(days)
    ]
    return rows[::-1]


# --- the chart ----------------------------------------------------------------------------
# One SVG, two panels over the same 30 days: clicks with the sign-ups they brought drawn
# inside them (bars), then the daily conversion rate (lines). Link types differ by colour and
# by shape too (solid / dashed line), so the chart does not rely on colour alone.

WIDTH = 720
LEFT, RIGHT = 44, 8
COUNTS_TOP, COUNTS_HEIGHT = 26, 150
RATES_TOP, RATES_HEIGHT = 210, 80
HEIGHT = RATES_TOP + RATES_HEIGHT + 28


def _nice_ceiling(value: float) -> int:
    """1, 2 or 5 times 10^n at or above value, so the axis reads in round numbers."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def _ticks(top: int, panel_top: int, panel_height: int, unit: str = "") -> list[dict]:
    return [
        {
            "y": round(panel_top + panel_height - panel_height * v / top, 2),
            "label": f"{v}{unit}" if unit else v,
        }
        for v in sorted({0, top // 2, top})
    ]


def activity_chart(days: list[date], stats: list[LinkStats]) -> dict:
    """Geometry for `_activity_chart.html` (SPEC §5.6): per day and link, a clicks bar with
    the day's sign-ups inside it, and the day's conversion rate as a point on a line."""
    series = [s for s in stats if s.daily_clicks]
    top = _nice_ceiling(max((max(s.daily_clicks + s.daily_signups) for s in series), default=0))
    rates = {
        s.link.pk: [_rate(s.daily_signups[i], s.daily_clicks[i]) for i in range(len(days))]
        for s in series
    }
    top_rate = min(
        100,
        _nice_ceiling(max((r for rs in rates.values() for r in rs if r is not None), default=0)),
    )
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / len(days)
    bar_w = max(1.0, (slot - 2) / max(1, len(series)))
    bars, lines = [], []
    for j, s in enumerate(series):
        kind = s.link.get_seller_type_display()
        points = []
        for i, day in enumerate(days):
            clicks, signups = s.daily_clicks[i], s.daily_signups[i]
            x = LEFT + i * slot + 1 + j * bar_w
            click_h = COUNTS_HEIGHT * clicks / top
            signup_h = COUNTS_HEIGHT * signups / top
            bars.append(
                {
                    "x": round(x, 2),
                    "y": round(COUNTS_TOP + COUNTS_HEIGHT - click_h, 2),
                    "w": round(bar_w, 2),
                    "h": round(click_h, 2),
                    # The sign-ups bar: half as wide, centred in the clicks bar.
                    "sx": round(x + bar_w / 4, 2),
                    "sy": round(COUNTS_TOP + COUNTS_HEIGHT - signup_h, 2),
                    "sw": round(bar_w / 2, 2),
                    "sh": round(signup_h, 2),
                    "kind": s.link.seller_type,
                    "title": _("%(day)s · %(kind)s: clicks %(clicks)s, sign-ups %(signups)s")
                    % {
                        "day": f"{day:%Y-%m-%d}",
                        "kind": kind,
                        "clicks": clicks,
                        "signups": signups,
                    },
                }
            )
            rate = rates[s.link.pk][i]
            if rate is not None:
                y = RATES_TOP + RATES_HEIGHT - RATES_HEIGHT * min(rate, top_rate) / top_rate
                points.append(
                    {
                        "x": round(LEFT + i * slot + slot / 2, 2),
                        "y": round(y, 2),
                        "title": _("%(day)s · %(kind)s: conversion %(rate)s%%")
                        % {"day": f"{day:%Y-%m-%d}", "kind": kind, "rate": rate},
                    }
                )
        lines.append(
            {
                "kind": s.link.seller_type,
                "points": points,
                "path": " ".join(f"{p['x']},{p['y']}" for p in points),
            }
        )
    labels = [
        {"x": round(LEFT + i * slot + slot / 2, 2), "label": f"{day:%m-%d}"}
        for i, day in enumerate(days)
        if i % 5 == 4 or i == 0
    ]
    summary = [
        {
            "kind": s.link.seller_type,
            "label": s.link.get_seller_type_display(),
            "clicks": sum(s.daily_clicks),
            "signups": sum(s.daily_signups),
            "conversion": _rate(sum(s.daily_signups), sum(s.daily_clicks)),
        }
        for s in series
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "counts_label_y": COUNTS_TOP - 12,
        "rates_label_y": RATES_TOP - 12,
        "counts_axis_y": COUNTS_TOP + COUNTS_HEIGHT,
        "rates_axis_y": RATES_TOP + RATES_HEIGHT,
        "label_y": HEIGHT - 8,
        "bars": bars,
        "lines": lines,
        "ticks": _ticks(top, COUNTS_TOP, COUNTS_HEIGHT),
        "rate_ticks": _ticks(top_rate, RATES_TOP, RATES_HEIGHT, "%"),
        "labels": labels,
        "summary": summary,
        "total": sum(sum(s.daily_clicks) for s in series),
        "total_signups": sum(sum(s.daily_signups) for s in series),
    }
