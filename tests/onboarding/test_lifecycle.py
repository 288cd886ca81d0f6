"""The review lifecycle as the services run it: saving and submitting a batch without a
page, and a refused or lost decision that leaves no trace."""

import pytest
from django.core import mail
from django.db import transaction
from django_fsm import ConcurrentTransition

from notifications.models import Notification
from onboarding import services
from onboarding.models import Application, ApplicationTransition
from reviews import services as reviews

from .conftest import complete_entity, make_application, start


def test_save_applications_keeps_a_draft_and_submits_the_batch(alice):
    # given: a batch of one category in two markets, its info typed on the first one
    first, second = start(
        alice,
        categories=("creator-management",),
        markets=("US", "DE"),
        region="CN",
        partner_type="mcn",
    )
    entity = complete_entity(alice, region="CN")
    entity.partner_name = "Acme Live"
    first.service_plan, first.team_size = "Weekly LIVE shows.", 4

    # when: saved for later, then submitted
    services.save_applications(user=alice, applications=[first, second], entity=entity)
    second.refresh_from_db()
    assert (second.state, second.team_size) == ("draft", 4)
    services.save_applications(user=alice, applications=[first, second], submit=True)

    # then
    states = set(Application.objects.filter(user=alice).values_list("state", flat=True))
    assert states == {"pending_review"}
    entity.refresh_from_db()
    assert entity.partner_name == "Acme Live"
    assert ApplicationTransition.objects.filter(name="submit").count() == 2


def test_save_applications_keeps_a_draft_when_submit_is_refused(alice):
    # given: no team size, no entity info yet
    (application,) = start(alice)
    application.service_plan = "Weekly LIVE shows."

    # when / then
    with pytest.raises(services.SubmissionRefused) as refused:
        services.save_applications(user=alice, applications=[application], submit=True)
    assert "team_size" in refused.value.errors
    application.refresh_from_db()
    assert (application.state, application.service_plan) == ("draft", "Weekly LIVE shows.")


def test_save_applications_rolls_back_refused_changes_to_approved_info(alice, rita):
    # given: an approved application whose required info the partner removes
    application = make_application(alice, state="approved", reviewer=rita)
    application.service_plan = ""

    # when / then
    with pytest.raises(services.SubmissionRefused):
        services.save_applications(user=alice, applications=[application], submit=True)
    application.refresh_from_db()
    assert application.state == "approved"
    assert application.service_plan != ""


def test_a_decision_by_a_non_reviewer_sends_and_records_nothing(
    alice, bob, django_capture_on_commit_callbacks
):
    # given
    application = make_application(alice, state="pending_review")
    submitted = ApplicationTransition.objects.count()

    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.DecisionRefused, match="Reviewers group"),
    ):
        services.decide_application(
            application_id=application.pk, by=bob, approve=False, reason="No"
        )

    # then
    application.refresh_from_db()
    assert application.state == "pending_review"
    assert ApplicationTransition.objects.count() == submitted
    assert not Notification.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_a_decision_lost_to_a_concurrent_one_sends_and_records_nothing(
    alice, rita, django_capture_on_commit_callbacks
):
    # given: a copy read before another reviewer approved
    application = make_application(alice, state="pending_review")
    stale = Application.objects.get(pk=application.pk)
    services.decide_application(application_id=application.pk, by=rita, approve=True)

    # when: the stale copy is rejected through the service that saves it
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ConcurrentTransition),
        transaction.atomic(),
    ):
        reviews.transition(stale, "reject", by=rita, reason="Too late")

    # then
    application.refresh_from_db()
    assert application.state == "approved"
    assert not application.transitions.filter(name="reject").exists()
    assert Notification.objects.count() == 1
    assert callbacks == []
