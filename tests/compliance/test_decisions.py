"""SPEC §3.14: reviewers decide security reviews in admin; the third consecutive rejection
blacklists the account in the same transaction, and an approval resets the count."""

import threading

import pytest
from django.core import mail
from django.db import connection
from django_fsm import TransitionNotAllowed

from accounts.models import AccountBlacklisted, User
from compliance import services
from compliance.models import ComplianceReview, ComplianceTransition
from demo.seed.accounts import ensure_reviewers_group
from notifications.models import Notification
from tests.conftest import make_user, requires_postgres

from .conftest import ANSWERS, approve, reject, submit_review


@pytest.fixture
def pending(uk_developer):
    return submit_review(uk_developer)


def reject_times(user, reviewer, n):
    review = ComplianceReview.objects.get(user=user)
    for i in range(n):
        if i:
            review = submit_review(user)
        review = reject(review, reviewer, reason=f"Rejection number {i + 1}.")
    return review


def test_approval_leaves_an_audit_row_and_tells_the_partner(
    pending, rita, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = approve(pending, rita)

    assert review.state == "approved"
    assert review.transitions.last().name == "approve"
    assert review.transitions.last().by == rita
    (notification,) = Notification.objects.filter(user=review.user)
    assert notification.kind == Notification.Kind.SECURITY_APPROVED
    assert mail.outbox[0].subject.endswith("Security review approved")


def test_a_rejection_counts_and_tells_the_partner_where_they_stand(
    pending, rita, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = reject(pending, rita, reason="Encryption at rest is not described.")

    assert review.state == "rejected"
    assert review.consecutive_rejections == 1
    assert not review.user.is_blacklisted
    assert "Consecutive rejections: 1 of 3." in mail.outbox[0].body
    assert "Encryption at rest is not described." in mail.outbox[0].body


def test_third_consecutive_rejection_blacklists_the_account(
    pending, rita, django_capture_on_commit_callbacks
):
    # given
    reject_times(pending.user, rita, 2)
    review = submit_review(pending.user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        review = reject(review, rita, reason="Still no incident response plan.")

    # then
    user = User.objects.get(pk=pending.user_id)
    assert review.consecutive_rejections == 3
    assert user.is_blacklisted
    assert "security review" in user.blacklist_reason
    assert user.account_events.get().acting_user == rita
    notification = Notification.objects.filter(user=user).first()
    assert notification.kind == Notification.Kind.ACCOUNT_BLACKLISTED
    assert "your account is now blacklisted" in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["alice@example.com"]


def test_the_blacklisted_partner_cannot_resubmit(pending, rita, client):
    # given
    reject_times(pending.user, rita, 3)
    user = User.objects.get(pk=pending.user_id)
    client.force_login(user)

    # when
    response = client.post(
        "/onboarding/compliance/security-review/", {**ANSWERS, "action": "submit"}
    )

    # then
    assert response.status_code == 403
    with pytest.raises(AccountBlacklisted):
        submit_review(user)
    assert ComplianceReview.objects.get(user=user).state == "rejected"
    assert "View answers" in client.get("/onboarding/compliance/").content.decode()


def test_an_approval_in_between_resets_the_count(pending, rita):
    # given two rejections, then an approval
    reject_times(pending.user, rita, 2)
    review = approve(submit_review(pending.user), rita)
    assert review.consecutive_rejections == 0

    # when the updated answers are rejected twice more
    services.save_security_review(
        user=pending.user, answers={"third_parties": "Sentry and Datadog."}, submit=True
    )
    review = reject_times(pending.user, rita, 2)

    # then
    assert review.consecutive_rejections == 2
    assert not User.objects.get(pk=pending.user_id).is_blacklisted
    names = list(review.transitions.values_list("name", flat=True))
    assert names.count("reject") == 4
    assert "submit_changes" in names


def test_approved_answers_change_only_by_going_back_to_review(pending, rita):
    approve(pending, rita)

    with pytest.raises(services.ComplianceRefused):
        services.save_security_review(user=pending.user, answers={"third_parties": "None."})

    review = ComplianceReview.objects.get(pk=pending.pk)
    assert review.third_parties == ANSWERS["third_parties"]


def test_only_reviewers_can_decide(pending, alice):
    # given
    staff = make_user(email="sam@example.com", is_staff=True)

    # when / then
    for outsider in (alice, staff):
        with pytest.raises(services.DecisionRefused, match="Reviewers group"):
            approve(pending, outsider)
        with pytest.raises(services.DecisionRefused, match="Reviewers group"):
            reject(pending, outsider)
    review = ComplianceReview.objects.get(pk=pending.pk)
    assert review.state == "pending_review"
    assert review.consecutive_rejections == 0
    assert not Notification.objects.exists()


def test_admin_buttons_refuse_staff_without_the_permission(client, pending):
    # given: staff who can see the queue but not decide
    staff = make_user(email="sam@example.com", is_staff=True)
    group = ensure_reviewers_group()
    staff.user_permissions.set(
        group.permissions.exclude(codename="review_compliance").filter(
            content_type__app_label="compliance"
        )
    )
    client.force_login(staff)
    base = f"/admin/compliance/compliancereview/{pending.pk}"

    # when
    page_response = client.get(f"{base}/change/")
    page = page_response.content.decode()
    approve_response = client.post(f"{base}/approve/")
    reject_response = client.post(f"{base}/reject/", {"reason": "No."})

    # then
    assert page_response.status_code == 200
    assert "Reject…" not in page
    assert approve_response.status_code == reject_response.status_code == 403
    assert ComplianceReview.objects.get(pk=pending.pk).state == "pending_review"


def test_reviewer_approves_in_admin(client, pending, rita):
    # given
    client.force_login(rita)
    base = f"/admin/compliance/compliancereview/{pending.pk}"
    assert "Reject…" in client.get(f"{base}/change/").content.decode()

    # when
    response = client.post(f"{base}/approve/", follow=True)

    # then
    assert ComplianceReview.objects.get(pk=pending.pk).state == "approved"
    body = response.content.decode()
    assert "the partner is notified" in body
    assert "Compliance history" in body


def test_reviewer_rejects_in_admin_with_a_reason(client, pending, rita):
    # given
    client.force_login(rita)
    base = f"/admin/compliance/compliancereview/{pending.pk}"

    # when
    empty = client.post(f"{base}/reject/", {"reason": ""})
    response = client.post(f"{base}/reject/", {"reason": "Describe your access reviews."})

    # then
    assert empty.status_code == 200
    assert response.status_code == 302
    review = ComplianceReview.objects.get(pk=pending.pk)
    assert review.state == "rejected"
    assert review.rejection_reason == "Describe your access reviews."


def test_admin_warns_before_the_rejection_that_blacklists(client, pending, rita):
    # given
    reject_times(pending.user, rita, 2)
    review = submit_review(pending.user)
    client.force_login(rita)

    # when
    body = client.get(f"/admin/compliance/compliancereview/{review.pk}/reject/").content.decode()

    # then
    assert "the account will be blacklisted automatically" in body


def test_the_queue_lists_pending_reviews(client, pending, rita):
    client.force_login(rita)

    body = client.get("/admin/compliance/compliancereview/?state=pending_review").content.decode()

    assert "alice@example.com" in body
    assert "0 of 3" in body


def test_a_draft_cannot_be_decided(uk_developer, rita):
    # given
    services.save_security_review(user=uk_developer, answers=ANSWERS)
    review = ComplianceReview.objects.get(user=uk_developer)

    # when / then
    with pytest.raises(services.DecisionRefused):
        approve(review, rita)
    with pytest.raises(TransitionNotAllowed):
        review.approve(by=rita)
    assert ComplianceReview.objects.get(pk=review.pk).state == "draft"


def test_a_decided_review_cannot_be_decided_again(pending, rita):
    approve(pending, rita)

    with pytest.raises(services.AlreadyDecided):
        reject(pending, rita)

    assert ComplianceReview.objects.get(pk=pending.pk).state == "approved"


def test_pending_review_cannot_be_resubmitted(pending):
    with pytest.raises(TransitionNotAllowed):
        pending.resubmit(by=pending.user)


def test_the_state_cannot_be_written_directly(pending):
    with pytest.raises(AttributeError):
        pending.state = "approved"


def test_a_failed_decision_sends_nothing(pending, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.DecisionRefused):
        approve(pending, alice)

    assert mail.outbox == []
    assert not ComplianceTransition.objects.filter(name="approve").exists()


def test_a_rejection_without_a_reason_is_refused(pending, rita):
    with pytest.raises(services.DecisionRefused):
        reject(pending, rita, reason="  ")

    assert ComplianceReview.objects.get(pk=pending.pk).consecutive_rejections == 0


@requires_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_rejecting_at_once_count_once(uk_developer, rita):
    # given
    other = make_user(email="ray@example.com", is_staff=True)
    other.groups.add(ensure_reviewers_group())
    review = submit_review(uk_developer)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(reviewer):
        try:
            barrier.wait(timeout=10)
            reject(review, reviewer)
            outcomes.append("won")
        except services.AlreadyDecided:
            outcomes.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(r,)) for r in (rita, other)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert sorted(outcomes) == ["lost", "won"]
    review = ComplianceReview.objects.get(pk=review.pk)
    assert review.consecutive_rejections == 1
    assert review.transitions.filter(name="reject").count() == 1


def test_the_queue_s_old_admin_address_leads_to_it(client, pending, rita):
    # given: a bookmark from before the queue moved to the compliance app
    client.force_login(rita)

    # when
    response = client.get(f"/admin/onboarding/compliancereview/{pending.pk}/change/?x=1")

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/admin/compliance/compliancereview/{pending.pk}/change/?x=1"
    assert "Reject…" in client.get(response["Location"]).content.decode()
