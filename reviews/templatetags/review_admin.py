"""The reviewer admin index: the queues by age, as an SVG bar chart drawn on the server."""

from typing import Any, cast

from django import template
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from reviews.admin import WaitingFilter
from reviews.models import ReviewedModel

register = template.Library()

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 16, 36
CHART_SECONDS = 60  # how long the counts are reused
COLOURS = ["#b45309", "#1d4ed8"]  # dark enough for text beside them (WCAG AA on white)


@register.simple_tag(takes_context=True)
def review_queue_chart(context):
    """What waits for review per waiting band, one series per reviewed model with a
    `queue_label` (in INSTALLED_APPS order): one query per queue the reviewer may see,
    whatever the queue's length."""
    user = context["request"].user
    bands = [(key, label, low, high) for key, (label, low, high) in WaitingFilter.BANDS.items()]
    now = timezone.now()
    series = []
    for model in reviewed_models():
        if not user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
            continue
        counts = waiting_counts(model, [(low, high) for _key, _label, low, high in bands], now)
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        series.append(
            {
                "label": model.queue_label,
                "counts": counts,
                "colour": COLOURS[len(series) % len(COLOURS)],
                "links": [
                    f"{changelist}?state__exact=pending_review&age={key}" for key, *_rest in bands
                ],
            }
        )
    if not series:
        return None
    return _geometry([label for _key, label, _low, _high in bands], series)


def waiting_counts(model: type[ReviewedModel], bands, now) -> list[int]:
    """The queue's counts per band, kept a minute: counting 300,000 pending applications
    into bands takes a third of a second, and the index page is every reviewer's start."""
    key = f"review-queue-chart:{model._meta.label_lower}"
    counts = cache.get(key)
    if counts is None or len(counts) != len(bands):
        manager: Any = model._default_manager  # the reviewed models' ReviewQuerySet manager
        counts = manager.awaiting_review().waiting_bands(bands, now=now)
        cache.set(key, counts, CHART_SECONDS)
    return counts


def reviewed_models() -> list[type[ReviewedModel]]:
    """The concrete reviewed models that have a queue in the chart, in INSTALLED_APPS order."""
    reviewed = [
        cast(type[ReviewedModel], model)
        for model in apps.get_models()
        if issubclass(model, ReviewedModel)
    ]
    return [model for model in reviewed if model.queue_label]


def _geometry(band_labels, series) -> dict:
    top = max(1, *(max(s["counts"]) for s in series))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(band_labels)
    bar_w = (slot - 16) / len(series)
    bars = []
    for i, band in enumerate(band_labels):
        for j, s in enumerate(series):
            value = s["counts"][i]
            h = plot_h * value / top
            bars.append(
                {
                    "x": round(LEFT + i * slot + 8 + j * bar_w, 2),
                    "y": round(TOP + plot_h - h, 2),
                    "w": round(bar_w - 2, 2),
                    "h": round(h, 2),
                    "colour": s["colour"],
                    "value": value,
                    "value_y": round(TOP + plot_h - h - 3, 2),
                    "centre": round(LEFT + i * slot + 8 + j * bar_w + (bar_w - 2) / 2, 2),
                    "href": s["links"][i],
                    "title": f"{s['label']} · {band}: {value}",
                }
            )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "axis_y": TOP + plot_h,
        "label_y": HEIGHT - 12,
        "bars": bars,
        "bands": [
            {"label": band, "x": round(LEFT + i * slot + slot / 2, 2)}
            for i, band in enumerate(band_labels)
        ],
        "series": series,
        "rows": [
            (band, [(s["counts"][i], s["links"][i]) for s in series])
            for i, band in enumerate(band_labels)
        ],
    }
