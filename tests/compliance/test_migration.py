"""The compliance review moved from onboarding to the compliance app without touching its
tables: rows written before the move read through the new models, and a reviewer whose
group held the old permission may still decide."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from compliance.models import (
    COMPLIANCE_PERMISSION,
    ComplianceReview,
    ComplianceState,
)

MOVE = ("onboarding", "0008_compliance_moves_out")


def _before_the_move(executor) -> list[tuple[str, str | None]]:
    """Onboarding as it was just before the move, and no compliance app at all."""
    move = executor.loader.get_migration(*MOVE)
    onboarding = [dep for dep in move.dependencies if dep[0] == "onboarding"]
    return [*onboarding, ("compliance", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor


@pytest.mark.postgres  # runs on the embedded SQLite too: the move is state only
@pytest.mark.django_db(transaction=True)
def test_rows_and_reviewer_rights_survive_the_move_to_the_compliance_app():
    # given: the schema before the move, with a review, its history, and a reviewer whose
    # group holds onboarding's permission to decide compliance reviews
    executor = MigrationExecutor(connection)
    before = _before_the_move(executor)
    executor = _migrate(before)
    old = executor.loader.project_state([node for node in before if node[1]]).apps
    assert not old.all_models.get("compliance")
    OldUser = old.get_model("accounts", "User")
    OldReview = old.get_model("onboarding", "ComplianceReview")
    OldTransition = old.get_model("onboarding", "ComplianceTransition")
    Group = old.get_model("auth", "Group")
    Permission = old.get_model("auth", "Permission")

    partner = OldUser.objects.create(email="alice@example.com")
    reviewer = OldUser.objects.create(email="rita@example.com", is_staff=True)
    review = OldReview.objects.create(
        user=partner,
        state="pending_review",
        data_storage_location="AWS, eu-west-2 (London)",
        consecutive_rejections=1,
    )
    OldTransition.objects.create(
        review=review,
        by=partner,
        name="submit",
        source="rejected",
        target="pending_review",
        answers={"data_storage_location": "AWS, eu-west-2 (London)"},
    )
    decide = Permission.objects.get(
        content_type__app_label="onboarding", codename="review_compliance"
    )
    view = Permission.objects.get(
        content_type__app_label="onboarding", codename="view_compliancereview"
    )
    group = Group.objects.create(name="Old reviewers")
    group.permissions.set([decide, view])
    reviewer.groups.add(group)

    # when
    _migrate(executor.loader.graph.leaf_nodes())

    # then: the same rows, through the compliance app's models
    moved = ComplianceReview.objects.get(pk=review.pk)
    assert moved.user_id == partner.pk
    assert moved.state == ComplianceState.PENDING_REVIEW
    assert moved.data_storage_location == "AWS, eu-west-2 (London)"
    assert moved.consecutive_rejections == 1
    (history,) = moved.transitions.all()
    assert (history.name, history.by_id, history.target) == ("submit", partner.pk, "pending_review")
    assert history.answers == {"data_storage_location": "AWS, eu-west-2 (London)"}

    # and the content types followed the models: no second one, the same permission rows
    assert not ContentType.objects.filter(app_label="onboarding", model="compliancereview").exists()
    content_type = ContentType.objects.get_for_model(ComplianceReview)
    assert content_type.app_label == "compliance"
    assert decide.content_type_id == content_type.pk

    # and the old group still grants the right to review, under the new label
    rita = User.objects.get(pk=reviewer.pk)
    assert COMPLIANCE_PERMISSION == "compliance.review_compliance"
    assert rita.has_perm("compliance.review_compliance")
    assert rita.has_perm("compliance.view_compliancereview")
    assert moved.reviewer_can(rita)
    alice = User.objects.get(pk=partner.pk)
    assert not moved.reviewer_can(alice)
