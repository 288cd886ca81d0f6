from io import StringIO

from django.core.management import call_command

from onboarding.models import Application


def test_seed_demo_fills_the_review_queue_and_can_run_again(db):
    # given
    call_command("seed_demo", stdout=StringIO())
    states = sorted(Application.objects.values_list("state", flat=True))

    # when
    call_command("seed_demo", stdout=StringIO())

    # then
    assert sorted(Application.objects.values_list("state", flat=True)) == states
    assert {"draft", "pending_review", "approved", "rejected"} <= set(states)
    assert Application.objects.awaiting_review().count() >= 2
