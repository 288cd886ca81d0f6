"""SPEC §8.6: a blacklisted account appeals once, within 7 days; staff uphold or lift it
with a reason; the partner is told by email and in-app; every step is in the security log."""

import io
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from PIL import Image

from accounts.models import AccountEvent, User
from apps_services.models import App
from compliance import services
from compliance.emails import APPEAL_LIFTED, APPEAL_UPHELD
from compliance.models import APPEAL_WINDOW, Appeal, AppealState, ComplianceReview
from demo.seed.accounts import ensure_reviewers_group
from notifications.models import Notification
from onboarding.uploads import private_storage, thumbnail_name
from tests.apps_services.test_create import form_data as app_form_data
from tests.conftest import make_member, make_user, requires_postgres

from .conftest import ANSWERS, reject, submit_review

STATEMENT = "We replaced our hosting and passed a new penetration test in November."
APPEAL_URL = "/onboarding/compliance/appeal/"


def png(size=(64, 48)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile("report.png", out.getvalue(), content_type="image/png")


def blacklist(user, reviewer) -> User:
    """Three security reviews rejected in a row, through the real services."""
    for _attempt in range(3):
        reject(submit_review(user), reviewer)
    user.refresh_from_db()
    assert user.is_blacklisted
    return user


def blacklisted_days_ago(user, days: float) -> None:
    User.objects.filter(pk=user.pk).update(blacklisted_at=timezone.now() - timedelta(days=days))
    user.refresh_from_db()


def events(user) -> list[str]:
    return list(
        AccountEvent.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values_list("event_type", flat=True)
    )


@pytest.fixture
def blacklisted(uk_developer, rita):
    return blacklist(uk_developer, rita)


@pytest.fixture
def pending(blacklisted):
    return services.file_appeal(by=blacklisted, statement=STATEMENT, ip="203.0.113.7")


# --- filing ---------------------------------------------------------------------------------


def test_a_blacklisted_account_files_an_appeal_that_is_logged(blacklisted):
    # when
    appeal = services.file_appeal(by=blacklisted, statement=STATEMENT, ip="203.0.113.7")

    # then
    assert appeal.state == AppealState.PENDING
    assert appeal.account == appeal.filed_by == blacklisted
    assert appeal.blacklisted_at == blacklisted.blacklisted_at
    assert "security review rejected 3 times" in appeal.blacklist_reason
    event = AccountEvent.objects.get(user=blacklisted, event_type=AccountEvent.Type.APPEAL_FILED)
    assert (event.acting_user, event.ip) == (blacklisted, "203.0.113.7")
    assert event.details["appeal"] == appeal.pk


def test_filing_reads_the_account_again(uk_developer, rita):
    # given: a copy of the account taken before it was blacklisted
    stale = User.objects.get(pk=uk_developer.pk)
    blacklist(uk_developer, rita)

    # when
    appeal = services.file_appeal(by=stale, statement=STATEMENT)

    # then
    assert appeal.blacklisted_at == User.objects.get(pk=stale.pk).blacklisted_at


def test_an_appeal_on_the_last_day_is_accepted(blacklisted):
    # given
    blacklisted_days_ago(blacklisted, APPEAL_WINDOW.days - 0.01)

    # when
    appeal = services.file_appeal(by=blacklisted, statement=STATEMENT)

    # then
    assert appeal.pk


def test_an_appeal_on_day_8_is_refused(blacklisted):
    # given
    blacklisted_days_ago(blacklisted, 7.5)

    # when
    with pytest.raises(services.AppealRefused, match="The time to appeal ended"):
        services.file_appeal(by=blacklisted, statement=STATEMENT)

    # then
    assert not Appeal.objects.exists()
    assert AccountEvent.Type.APPEAL_FILED not in events(blacklisted)


def test_an_account_appeals_a_blacklisting_once(pending):
    with pytest.raises(services.AppealRefused, match="appealed this blacklisting already"):
        services.file_appeal(by=pending.account, statement=STATEMENT)

    assert Appeal.objects.count() == 1


def test_the_database_refuses_a_second_appeal_of_the_same_blacklisting(pending):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(
            account=pending.account,
            blacklisted_at=pending.blacklisted_at,
            statement=STATEMENT,
        )


def test_an_account_that_is_not_blacklisted_cannot_appeal(uk_developer):
    with pytest.raises(services.AppealRefused, match="not blacklisted"):
        services.file_appeal(by=uk_developer, statement=STATEMENT)

    assert not Appeal.objects.exists()


def test_a_statement_too_short_is_refused(blacklisted):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.file_appeal(by=blacklisted, statement="Please.")

    assert "statement" in refused.value.message_dict
    assert not Appeal.objects.exists()


def test_a_team_member_files_the_account_s_appeal(blacklisted, client):
    # given
    member = make_member(account=blacklisted, email="maria@example.com", role="administrator")
    client.force_login(member)

    # when
    response = client.post(APPEAL_URL, {"statement": STATEMENT})

    # then
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.account, appeal.filed_by) == (blacklisted, member)
    event = AccountEvent.objects.get(event_type=AccountEvent.Type.APPEAL_FILED)
    assert (event.user, event.acting_user) == (blacklisted, member)


def test_a_viewer_member_sees_the_appeal_page_but_cannot_file(blacklisted, client):
    # given
    viewer = make_member(account=blacklisted, email="vic@example.com", role="viewer")
    client.force_login(viewer)

    # when
    page = client.get(APPEAL_URL)
    refused = client.post(APPEAL_URL, {"statement": STATEMENT})

    # then
    assert page.status_code == 200
    assert refused.status_code == 403
    assert not Appeal.objects.exists()


# --- the page and the document --------------------------------------------------------------


def test_the_page_shows_the_blacklist_the_deadline_and_the_form(blacklisted, client):
    client.force_login(blacklisted)

    body = client.get(APPEAL_URL).content.decode()

    assert "Your account is blacklisted" in body
    assert "security review rejected 3 times in a row" in body
    assert "Appeal by" in body
    deadline = blacklisted.blacklisted_at + APPEAL_WINDOW
    assert str(deadline.year) in body
    assert 'name="statement"' in body
    assert 'name="document"' in body


def test_the_partner_files_with_a_document_decoded_and_kept_privately(
    blacklisted, client, bob, rita
):
    # given
    client.force_login(blacklisted)

    # when
    response = client.post(APPEAL_URL, {"statement": STATEMENT, "document": png()}, follow=True)

    # then: re-encoded under a random name, with its thumbnail
    appeal = Appeal.objects.get()
    assert "Your appeal is filed" in response.content.decode()
    assert appeal.document.name.endswith(".png")
    assert "report" not in appeal.document.name
    assert private_storage.exists(thumbnail_name(appeal.document.name))
    document_url = f"{APPEAL_URL}{appeal.pk}/document/"
    assert document_url in response.content.decode()
    # the account and reviewers read it; another partner does not know it exists
    assert client.get(document_url).status_code == 200
    assert client.get(document_url + "?thumbnail").status_code == 200
    client.force_login(bob)
    assert client.get(document_url).status_code == 404
    client.force_login(rita)
    assert client.get(document_url).status_code == 200


def test_the_document_is_read_by_the_account_s_members_with_the_profile_module(blacklisted, client):
    # given
    appeal = services.file_appeal(by=blacklisted, statement=STATEMENT, document=png())
    url = f"{APPEAL_URL}{appeal.pk}/document/"
    viewer = make_member(account=blacklisted, email="vic@example.com", role="viewer")
    outsider = make_member(account=blacklisted, email="ann@example.com", role={"apps": 2})

    # when
    client.force_login(viewer)
    read = client.get(url)
    client.force_login(outsider)
    refused = client.get(url)

    # then
    assert read.status_code == 200
    assert refused.status_code == 403


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(blacklisted, client):
    # given
    client.force_login(blacklisted)
    fake = SimpleUploadedFile("report.png", b"%PDF-1.4 not an image", content_type="image/png")

    # when
    response = client.post(APPEAL_URL, {"statement": STATEMENT, "document": fake})

    # then
    assert response.status_code == 200
    assert "This file is not a JPEG, PNG or WebP image" in response.content.decode()
    assert not Appeal.objects.exists()
    assert AccountEvent.Type.APPEAL_FILED not in events(blacklisted)
    assert not list(private_storage.stored_files())


def test_once_filed_the_page_shows_the_pending_appeal_and_no_form(pending, client):
    client.force_login(pending.account)

    body = client.get(APPEAL_URL).content.decode()

    assert "Pending" in body
    assert STATEMENT in body
    assert 'name="statement"' not in body


def test_after_the_window_the_page_says_the_time_ended(blacklisted, client):
    blacklisted_days_ago(blacklisted, 8)
    client.force_login(blacklisted)

    body = client.get(APPEAL_URL).content.decode()
    refused = client.post(APPEAL_URL, {"statement": STATEMENT}, follow=True)

    assert "The time to appeal ended" in body
    assert 'name="statement"' not in body
    assert "The time to appeal ended" in refused.content.decode()
    assert not Appeal.objects.exists()


def test_the_blacklisted_page_and_the_compliance_page_link_to_the_appeal(blacklisted, client):
    client.force_login(blacklisted)

    refused = client.post("/onboarding/compliance/questionnaire/")
    overview = client.get("/onboarding/compliance/")

    assert refused.status_code == 403
    assert APPEAL_URL in refused.content.decode()
    assert APPEAL_URL in overview.content.decode()


# --- deciding -------------------------------------------------------------------------------


def test_uphold_keeps_the_blacklist_and_tells_the_partner(
    pending, rita, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        appeal = services.decide_appeal(
            appeal_id=pending.pk, by=rita, lift=False, reason="The new test is not attached."
        )

    # then
    account = User.objects.get(pk=pending.account_id)
    assert appeal.state == AppealState.UPHELD
    assert (appeal.decided_by, appeal.decision_reason) == (rita, "The new test is not attached.")
    assert account.is_blacklisted
    notification = Notification.objects.get(user=account, kind=APPEAL_UPHELD)
    assert "upheld the blacklist" in notification.display_body
    assert mail.outbox[-1].to == [account.email]
    assert "stays blacklisted" in mail.outbox[-1].subject
    assert "The new test is not attached." in mail.outbox[-1].body
    assert events(account)[-1] == AccountEvent.Type.APPEAL_UPHELD


def test_lift_lifts_the_blacklist_and_tells_the_partner_by_email_and_in_app(
    pending, rita, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        appeal = services.decide_appeal(
            appeal_id=pending.pk, by=rita, lift=True, reason="The new report covers it.", ip="::1"
        )

    # then
    account = User.objects.get(pk=pending.account_id)
    assert appeal.state == AppealState.LIFTED
    assert not account.is_blacklisted
    account.ensure_can_write()
    notification = Notification.objects.get(user=account, kind=APPEAL_LIFTED)
    assert notification.url == APPEAL_URL
    assert "lifted the blacklist" in notification.display_body
    (email,) = [m for m in mail.outbox if "Appeal decided" in m.subject]
    assert email.to == [account.email]
    assert "The new report covers it." in email.body
    assert events(account) == [
        AccountEvent.Type.BLACKLIST_SET,
        AccountEvent.Type.APPEAL_FILED,
        AccountEvent.Type.BLACKLIST_LIFTED,
        AccountEvent.Type.APPEAL_LIFTED,
    ]
    lifted = AccountEvent.objects.get(event_type=AccountEvent.Type.BLACKLIST_LIFTED)
    assert (lifted.acting_user, lifted.details["reason"]) == (rita, "The new report covers it.")


def test_the_partner_reads_the_decision_and_its_reason(pending, rita, client):
    services.decide_appeal(appeal_id=pending.pk, by=rita, lift=True, reason="Fixed, thank you.")
    client.force_login(pending.account)

    body = client.get(APPEAL_URL).content.decode()

    assert "Blacklist lifted" in body
    assert "Fixed, thank you." in body
    assert "Your account is not blacklisted" in body


def test_staff_without_the_permission_cannot_decide(pending, client):
    # given: staff who may read appeals, not decide them
    staff = make_user(email="sam@example.com", is_staff=True)
    staff.user_permissions.set(
        ensure_reviewers_group().permissions.exclude(codename="decide_appeal")
    )
    client.force_login(staff)

    # when
    with pytest.raises(services.DecisionRefused, match="Only staff in the Reviewers group"):
        services.decide_appeal(appeal_id=pending.pk, by=staff, lift=True, reason="Why not.")
    page = client.get(f"/admin/compliance/appeal/{pending.pk}/change/")
    refused = client.post(
        f"/admin/compliance/appeal/{pending.pk}/decide/", {"decision": "lift", "reason": "x"}
    )

    # then
    assert page.status_code == 200
    assert "Lift blacklist" not in page.content.decode()
    assert refused.status_code == 403
    assert Appeal.objects.get().state == AppealState.PENDING
    assert User.objects.get(pk=pending.account_id).is_blacklisted


def test_a_failed_decision_sends_nothing(pending, alice, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.DecisionRefused),
    ):
        services.decide_appeal(appeal_id=pending.pk, by=alice, lift=True, reason="Me.")

    assert not callbacks
    assert not mail.outbox
    assert not Notification.objects.filter(kind__in=[APPEAL_LIFTED, APPEAL_UPHELD]).exists()


def test_a_decision_needs_a_reason(pending, rita):
    with pytest.raises(services.DecisionRefused, match="reason"):
        services.decide_appeal(appeal_id=pending.pk, by=rita, lift=True, reason="  ")

    assert Appeal.objects.get().state == AppealState.PENDING


def test_a_decided_appeal_cannot_be_decided_again(pending, rita):
    services.decide_appeal(appeal_id=pending.pk, by=rita, lift=False, reason="No.")

    with pytest.raises(services.AlreadyDecided):
        services.decide_appeal(appeal_id=pending.pk, by=rita, lift=True, reason="Yes.")

    assert Appeal.objects.get().state == AppealState.UPHELD


def test_the_state_cannot_be_written_directly(pending):
    with pytest.raises(AttributeError):
        pending.state = AppealState.LIFTED


def test_the_transition_refuses_a_decided_appeal(pending, rita):
    pending.uphold(by=rita, reason="No.")

    with pytest.raises(TransitionNotAllowed):
        pending.lift(by=rita, reason="Yes.")


def test_a_new_blacklisting_after_a_lift_can_be_appealed_again(pending, rita):
    # given
    services.decide_appeal(appeal_id=pending.pk, by=rita, lift=True, reason="Fixed.")
    account = User.objects.get(pk=pending.account_id)
    account.blacklist(by=rita, reason="Again")

    # when
    second = services.file_appeal(by=account, statement=STATEMENT)

    # then
    assert Appeal.objects.count() == 2
    assert second.blacklisted_at == account.blacklisted_at


def test_reviewers_decide_in_admin_with_a_reason(pending, rita, client):
    # given
    client.force_login(rita)
    base = f"/admin/compliance/appeal/{pending.pk}"
    page = client.get(f"{base}/change/").content.decode()

    # when
    empty = client.post(f"{base}/decide/", {"decision": "uphold", "reason": ""}, follow=True)
    response = client.post(f"{base}/decide/", {"decision": "uphold", "reason": "Not enough."})

    # then
    assert "Uphold blacklist" in page
    assert STATEMENT in page
    assert "Give the partner a reason" in empty.content.decode()
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.state, appeal.decision_reason) == (AppealState.UPHELD, "Not enough.")
    after = client.get(f"{base}/change/").content.decode()
    assert "Uphold blacklist" not in after
    assert client.get("/admin/compliance/appeal/?state=upheld").status_code == 200


def test_the_user_admin_lifts_a_blacklist_only_with_a_reason(blacklisted, client):
    # given: a superuser (the User admin's own rights)
    admin_user = make_user(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    # when
    page = client.get(f"/admin/accounts/user/{blacklisted.pk}/change/").content.decode()
    lifted = client.post(
        "/admin/accounts/user/",
        {
            "action": "lift_blacklist_selected",
            "_selected_action": [blacklisted.pk],
            "apply": "1",
            "reason": "Cleared by hand after a call.",
        },
    )

    # then: the two fields are not editable; the action asks a reason and logs it
    assert 'name="blacklisted_at"' not in page
    assert 'name="blacklist_reason"' not in page
    assert lifted.status_code == 302
    assert not User.objects.get(pk=blacklisted.pk).is_blacklisted
    assert events(blacklisted)[-1] == AccountEvent.Type.BLACKLIST_LIFTED  # no appeal involved


# --- the journey ----------------------------------------------------------------------------


def test_appeals_journey_from_third_rejection_to_writing_again(uk_developer, rita, client):
    """Third security-form rejection → blacklisted → appeal → staff lift → the partner
    writes again; every step in the security log."""
    partner = uk_developer
    answers = {k: str(v) for k, v in ANSWERS.items()}

    # the partner submits the security review; a reviewer rejects it in admin, three times
    for attempt in range(3):
        client.force_login(partner)
        submitted = client.post(
            "/onboarding/compliance/security-review/", {**answers, "action": "submit"}
        )
        assert submitted.status_code == 302, attempt
        review = ComplianceReview.objects.get(user=partner)
        client.force_login(rita)
        rejected = client.post(
            f"/admin/compliance/compliancereview/{review.pk}/reject/",
            {"reason": f"Rejection {attempt + 1}: the incident plan is missing."},
        )
        assert rejected.status_code == 302
    partner.refresh_from_db()
    assert partner.is_blacklisted

    # blacklisted: creating an app is refused, and the refusal leads to the appeal
    client.force_login(partner)
    refused = client.post("/apps/create/", app_form_data())
    assert refused.status_code == 403
    assert APPEAL_URL in refused.content.decode()
    assert not App.objects.exists()

    # the partner appeals
    filed = client.post(APPEAL_URL, {"statement": STATEMENT, "document": png()}, follow=True)
    assert "Pending" in filed.content.decode()
    appeal = Appeal.objects.get(account=partner)

    # a reviewer lifts the blacklist in admin
    client.force_login(rita)
    decided = client.post(
        f"/admin/compliance/appeal/{appeal.pk}/decide/",
        {"decision": "lift", "reason": "The incident plan is now attached."},
        follow=True,
    )
    assert "the partner is notified" in decided.content.decode()

    # the partner sees the decision and writes again
    client.force_login(partner)
    page = client.get(APPEAL_URL).content.decode()
    assert "Blacklist lifted" in page
    assert "The incident plan is now attached." in page
    created = client.post("/apps/create/", app_form_data())
    assert created.status_code == 302
    assert App.objects.filter(owner=partner).exists()
    assert events(partner) == [
        AccountEvent.Type.BLACKLIST_SET,
        AccountEvent.Type.APPEAL_FILED,
        AccountEvent.Type.BLACKLIST_LIFTED,
        AccountEvent.Type.APPEAL_LIFTED,
    ]
    log = AccountEvent.objects.filter(user=partner).order_by("created_at", "pk")
    assert [e.acting_user for e in log] == [rita, partner, rita, rita]


@requires_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_appeals_filed_at_once_make_one(uk_developer, rita):
    # given: the main account and a member press File appeal at the same moment
    account = blacklist(uk_developer, rita)
    member = make_member(account=account, email="maria@example.com", role="administrator")
    barrier = threading.Barrier(2)
    outcomes = []

    def file(user):
        try:
            barrier.wait(timeout=10)
            services.file_appeal(by=user, statement=STATEMENT)
            outcomes.append("filed")
        except services.AppealRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(u,)) for u in (account, member)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert sorted(outcomes) == ["filed", "refused"]
    assert Appeal.objects.count() == 1
    assert events(account).count(AccountEvent.Type.APPEAL_FILED) == 1
