"""SPEC §7: `manage.py review_report [--json]` reports the review pipeline."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from onboarding.management.commands.review_report import build_report
from onboarding.models import Application

from .conftest import make_application


@pytest.fixture
def pipeline(alice, bob, rita):
    """alice: a draft, one pending 2 days, one pending 10 days, one approved after 4 hours;
    bob: one rejected after 10 hours, one pending for 1 hour."""
    now = timezone.now()
    make_application(alice, category="live-management")
    two_days = make_application(alice, state="pending_review", category="short-video-management")
    ten_days = make_application(alice, state="pending_review", category="shop-management")
    approved = make_application(
        alice, state="approved", reviewer=rita, category="seller-affiliate-management"
    )
    rejected = make_application(
        bob, state="rejected", reviewer=rita, category="short-video-management"
    )
    hour = make_application(bob, state="pending_review", category="live-management")
    dates = {
        two_days: (now - timedelta(days=2), None),
        ten_days: (now - timedelta(days=10), None),
        approved: (now - timedelta(days=5), now - timedelta(days=5) + timedelta(hours=4)),
        rejected: (now - timedelta(days=3), now - timedelta(days=3) + timedelta(hours=10)),
        hour: (now - timedelta(hours=1), None),
    }
    for application, (submitted, decided) in dates.items():
        Application.objects.filter(pk=application.pk).update(
            submitted_at=submitted, decided_at=decided
        )
    return {"oldest": ten_days, "now": now}


def test_review_report_counts_the_pipeline(pipeline):
    # when
    out = StringIO()
    call_command("review_report", "--json", stdout=out)
    report = json.loads(out.getvalue())

    # then
    assert report["total"] == 6
    assert report["by_status"] == {
        "draft": 1,
        "pending_review": 3,
        "approved": 1,
        "rejected": 1,
    }
    short_video = next(r for r in report["by_category"] if r["code"] == "short-video-management")
    assert short_video["total"] == 2
    assert short_video["by_status"]["rejected"] == 1
    assert short_video["by_status"]["pending_review"] == 1
    (uk,) = report["by_market"]
    assert (uk["code"], uk["total"]) == ("UK", 6)
    assert report["pending_by_age"] == {
        "< 1 day": 1,
        "1-3 days": 1,
        "3-7 days": 0,
        "> 7 days": 1,
    }
    assert report["oldest_pending"]["id"] == pipeline["oldest"].pk
    assert report["oldest_pending"]["waiting_days"] == 10.0
    # median of 4 h and 10 h
    assert report["median_time_to_decision_hours"] == 7.0


def test_review_report_median_of_an_odd_count_is_the_middle_one(pipeline, rita):
    # given: a third decision, 30 hours
    third = Application.objects.filter(state="pending_review").order_by("pk").first()
    Application.objects.filter(pk=third.pk).update(
        state="approved", decided_at=third.submitted_at + timedelta(hours=30)
    )

    report = build_report()

    assert report["median_time_to_decision_hours"] == 10.0


def test_review_report_reads_in_a_handful_of_queries(pipeline, django_assert_max_num_queries):
    # more applications must not mean more queries
    with django_assert_max_num_queries(7):
        build_report()


def test_review_report_of_an_empty_pipeline(db):
    out = StringIO()
    call_command("review_report", stdout=out)

    text = out.getvalue()
    assert "0 applications" in text
    assert "no decisions yet" in text


def test_review_report_text_names_statuses_and_bands(pipeline):
    out = StringIO()
    call_command("review_report", stdout=out)

    text = out.getvalue()
    assert "Pending review" in text
    assert "> 7 days" in text
    assert f"#{pipeline['oldest'].pk}" in text
    assert "7.0 hours" in text
