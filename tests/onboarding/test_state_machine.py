"""SPEC §3.7, §3.9: the review state machine, its audit trail, and the frozen entity, from
the shell (model and service calls). Views and admin are in their own test modules."""

import threading

import pytest
from django.db import connection, transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from notifications.models import Notification
from onboarding import services
from onboarding.models import Application, ApplicationTransition, EntityFrozen
from tests.conftest import requires_postgres

from .conftest import complete_entity, make_application


def test_draft_goes_to_review_on_submit_and_leaves_an_audit_row(alice):
    # given
    application = make_application(alice)
    complete_entity(alice)

    # when
    services.submit_application(application_id=application.pk, by=alice)

    # then
    application.refresh_from_db()
    assert application.state == "pending_review"
    (row,) = application.transitions.all()
    assert (row.by, row.source, row.target, row.name) == (
        alice,
        "draft",
        "pending_review",
        "submit",
    )
    assert row.at is not None


def test_submit_refuses_an_incomplete_application_with_every_missing_field(alice):
    # given
    application = make_application(alice)

    # when
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_application(application_id=application.pk, by=alice)

    # then
    assert "entity-legal_name" in refused.value.errors
    assert "entity-business_certificate" in refused.value.errors
    application.refresh_from_db()
    assert application.state == "draft"
    assert not application.transitions.exists()


def test_submit_needs_a_verified_email(make_unverified):
    # given
    carol = make_unverified
    application = make_application(carol)
    complete_entity(carol)

    # when
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_application(application_id=application.pk, by=carol)

    # then
    assert "email" in refused.value.errors


@pytest.fixture
def make_unverified(db):
    from tests.conftest import make_user

    return make_user(email="carol@example.com", verified=False)


def test_reviewer_approves_and_rejects_with_reasons(alice, bob, rita):
    # given
    first = make_application(alice, state="pending_review")
    second = make_application(bob, state="pending_review")

    # when
    services.decide_application(application_id=first.pk, by=rita, approve=True)
    services.decide_application(
        application_id=second.pk,
        by=rita,
        approve=False,
        reason="Unreadable certificate",
        field_reasons={"entity-business_certificate": "Blurred"},
    )

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == "approved"
    assert first.approved_at is not None
    assert second.state == "rejected"
    assert second.rejection_reason == "Unreadable certificate"
    row = second.transitions.last()
    assert (row.by, row.source, row.target, row.reason) == (
        rita,
        "pending_review",
        "rejected",
        "Unreadable certificate",
    )
    assert row.field_reasons == {"entity-business_certificate": "Blurred"}


def test_rejected_application_can_be_resubmitted(alice, rita):
    # given
    application = make_application(alice, state="rejected", reviewer=rita)

    # when
    services.submit_application(application_id=application.pk, by=alice)

    # then
    application.refresh_from_db()
    assert application.state == "pending_review"
    assert [t.name for t in application.transitions.all()] == ["submit", "reject", "resubmit"]


def test_approved_category_info_edited_goes_back_to_review(alice, rita):
    # given
    application = make_application(alice, state="approved", reviewer=rita)
    application.team_size = 9
    application.save()

    # when
    services.submit_application(application_id=application.pk, by=alice)

    # then
    application.refresh_from_db()
    assert application.state == "pending_review"
    assert application.transitions.last().name == "submit_changes"


def test_state_cannot_be_set_directly_from_the_shell(alice):
    application = make_application(alice)

    with pytest.raises(AttributeError, match="Direct state modification is not allowed"):
        application.state = "approved"


def test_illegal_transitions_fail_from_the_shell(alice, rita):
    # given
    draft = make_application(alice)

    # when / then: a draft cannot be approved, rejected or resubmitted
    with pytest.raises(TransitionNotAllowed):
        draft.approve(by=rita)
    with pytest.raises(TransitionNotAllowed):
        draft.reject(by=rita, reason="no")
    with pytest.raises(TransitionNotAllowed):
        draft.resubmit(by=alice)
    with pytest.raises(services.DecisionRefused, match="Only applications pending review"):
        services.decide_application(application_id=draft.pk, by=rita, approve=True)
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert not ApplicationTransition.objects.exists()


def test_partners_cannot_decide_even_from_the_shell(alice, bob):
    # given
    application = make_application(alice, state="pending_review")

    # when / then
    with pytest.raises(PermissionError):
        application.approve(by=bob)
    with pytest.raises(services.DecisionRefused, match="Reviewers group"):
        services.decide_application(application_id=application.pk, by=bob, approve=True)
    application.refresh_from_db()
    assert application.state == "pending_review"


def test_rejection_needs_a_reason(alice, rita):
    application = make_application(alice, state="pending_review")

    with pytest.raises(services.DecisionRefused, match="reason"):
        services.decide_application(application_id=application.pk, by=rita, approve=False)
    with pytest.raises(ValueError, match="reason"):
        application.reject(by=rita, reason="  ")


def test_a_stale_copy_cannot_overwrite_a_decision(alice, rita):
    # given: a copy loaded before another reviewer's decision
    application = make_application(alice, state="pending_review")
    second = Application.objects.get(pk=application.pk)
    services.decide_application(application_id=application.pk, by=rita, approve=True)

    # when / then
    second.reject(by=rita, reason="Too late")
    with pytest.raises(ConcurrentTransition), transaction.atomic():  # as in the shell
        second.save()
    application.refresh_from_db()
    assert application.state == "approved"
    assert application.transitions.filter(target="rejected").count() == 0
    assert Notification.objects.count() == 1


def test_a_second_decision_is_refused_with_a_clear_message(alice, rita):
    application = make_application(alice, state="approved", reviewer=rita)

    with pytest.raises(services.AlreadyDecided, match="already decided by someone else"):
        services.decide_application(
            application_id=application.pk, by=rita, approve=False, reason="x"
        )


def test_approval_freezes_the_entity_against_the_shell(alice, rita):
    # given
    make_application(alice, state="approved", reviewer=rita)
    entity = alice.company_entity
    entity.refresh_from_db()
    assert entity.is_frozen

    # when / then
    entity.legal_name = "Another Company Ltd"
    with pytest.raises(EntityFrozen):
        entity.save()
    entity.refresh_from_db()
    assert entity.legal_name == "Acme Growth Ltd"


def test_a_copy_loaded_before_approval_cannot_edit_the_entity(alice, rita):
    # given
    application = make_application(alice, state="pending_review")
    stale = type(alice.company_entity).objects.get(user=alice)
    services.decide_application(application_id=application.pk, by=rita, approve=True)

    # when / then
    stale.partner_name = "Renamed"
    with pytest.raises(EntityFrozen):
        stale.save()


@requires_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_decisions_exactly_one_wins(alice, rita, make_reviewer):
    # given
    application = make_application(alice, state="pending_review")
    other = make_reviewer
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(name, reviewer, approve):
        try:
            barrier.wait(timeout=10)
            services.decide_application(
                application_id=application.pk, by=reviewer, approve=approve, reason="Blurred"
            )
            outcomes[name] = "won"
        except services.AlreadyDecided as exc:
            outcomes[name] = str(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("approve", rita, True)),
        threading.Thread(target=decide, args=("reject", other, False)),
    ]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert sorted(outcomes.values(), key=len)[0] == "won"
    loser = [v for v in outcomes.values() if v != "won"]
    assert len(loser) == 1
    assert "already decided by someone else" in loser[0]
    application.refresh_from_db()
    assert application.transitions.filter(source="pending_review").count() == 1
    assert Notification.objects.filter(user=alice).count() == 1


@pytest.fixture
def make_reviewer(db):
    from demo.seed.accounts import ensure_reviewers_group
    from tests.conftest import make_user

    user = make_user(email="ray@example.com", is_staff=True)
    user.groups.add(ensure_reviewers_group())
    return user
