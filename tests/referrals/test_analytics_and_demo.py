"""SPEC §5.6 link management, and seed_demo's published service (SPEC §7)."""

import json
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from referrals import analytics, tracking
from referrals.models import DailyClicks, ReferralSignup
from sellers.models import SellerType


def test_link_management_shows_clicks_signups_and_conversion(alice_service, client):
    # given: 8 local clicks and 2 sign-ups, 3 cross-border clicks
    local = alice_service.links.get(seller_type=SellerType.LOCAL)
    cross = alice_service.links.get(seller_type=SellerType.CROSS_BORDER)
    for _ in range(8):
        tracking.record_click(local.pk)
    for _ in range(3):
        tracking.record_click(cross.pk)
    ReferralSignup.objects.create(link=local, seller_account_id="101")
    ReferralSignup.objects.create(link=local, seller_account_id="102")
    client.force_login(alice_service.partner)

    # when
    response = client.get(reverse("referrals:service-links", args=[alice_service.pk]))

    # then
    text = response.text
    local_row = text.split('data-kind="local"')[1].split("</tr>")[0]
    cross_row = text.split('data-kind="cross_border"')[1].split("</tr>")[0]
    assert ">8<" in local_row
    assert ">2<" in local_row
    assert "25.0%" in local_row
    assert ">3<" in cross_row
    assert ">0<" in cross_row
    assert "0.0%" in cross_row
    assert "<svg" in text
    assert 'class="bar bar-local"' in text
    assert "bar-cross_border" in text
    assert "Local sellers" in text
    assert "Cross-border sellers" in text


def test_stats_cover_the_last_30_days(alice_service):
    # given
    local = alice_service.links.get(seller_type=SellerType.LOCAL)
    today = timezone.now().date()
    DailyClicks.objects.create(link=local, day=today, count=4)
    DailyClicks.objects.create(link=local, day=today - timedelta(days=29), count=2)
    DailyClicks.objects.create(link=local, day=today - timedelta(days=30), count=99)

    # when
    days, stats = analytics.service_stats(alice_service)
    chart = analytics.activity_chart(days, stats)

    # then
    assert len(days) == 30
    assert days[-1] == today
    by_kind = {s.link.seller_type: s for s in stats}
    assert by_kind["local"].daily_clicks[-1] == 4
    assert by_kind["local"].daily_clicks[0] == 2
    assert sum(by_kind["local"].daily_clicks) == 6
    assert chart["total"] == 6
    assert [t["label"] for t in chart["ticks"]] == [0, 2, 5]
    assert max(bar["h"] for bar in chart["bars"]) > 0


def test_conversion_is_blank_before_the_first_click(alice_service):
    _days, stats = analytics.service_stats(alice_service)

    assert [s.conversion for s in stats] == [None, None]


def test_seed_demo_prints_the_published_service_urls(db, client):
    # given
    out = StringIO()

    # when: twice, as make run does
    call_command("seed_demo", "--json", stdout=out)
    first = json.loads(out.getvalue())["shop_registration"]
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    second = json.loads(out.getvalue())["shop_registration"]

    # then
    assert first == second
    assert set(first) == {"local_url", "cross_border_url"}
    for url in first.values():
        response = client.get(urlsplit(url).path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("referrals:seller-start"))


def test_chart_draws_signups_and_conversion_per_day(alice_service, client):
    # given: today 4 local clicks and 1 sign-up through the local link
    local = alice_service.links.get(seller_type=SellerType.LOCAL)
    DailyClicks.objects.create(link=local, day=timezone.now().date(), count=4)
    ReferralSignup.objects.create(link=local, seller_account_id="101")

    # when
    days, stats = analytics.service_stats(alice_service)
    chart = analytics.activity_chart(days, stats)

    # then: the sign-up is a bar inside today's clicks bar, a quarter of its height
    today = next(bar for bar in chart["bars"] if bar["kind"] == "local" and bar["h"])
    assert today["sh"] == today["h"] / 4
    assert today["sx"] > today["x"]
    # then: the conversion is one point on the local line, on a 0-50 % axis
    (local_line,) = (line for line in chart["lines"] if line["kind"] == "local")
    (point,) = local_line["points"]
    assert "25.0%" in point["title"]
    assert [t["label"] for t in chart["rate_ticks"]] == ["0%", "25%", "50%"]
    assert point["y"] == chart["rate_ticks"][1]["y"]
    assert chart["total_signups"] == 1

    # then: the page draws it with a title, a description and the numbers as a table
    client.force_login(alice_service.partner)
    text = client.get(reverse("referrals:service-links", args=[alice_service.pk])).text
    assert 'aria-labelledby="chart-title chart-desc"' in text
    assert "Local sellers: clicks 4, sign-ups 1, conversion 25.0%." in text
    assert 'class="signups bar-local"' in text
    assert 'class="rate-line line-local"' in text
    numbers = text.split('id="chart-numbers"')[1]
    assert '<td class="num">4</td><td class="num">1</td><td class="num">25.0%</td>' in numbers
