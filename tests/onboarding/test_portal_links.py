"""Every email link starts with PORTAL_BASE_URL; `check --deploy` says when it is missing.
Old notifications get their params back; pages read in the reader's language.

(Opening notifications and their language: tests/notifications/test_inbox.py.)"""

import re

from django.core import mail
from django.core.checks import run_checks
from django.urls import reverse
from django.utils import translation

from notifications.models import Notification
from onboarding import services
from tests.accounts.test_signup import signup

from .conftest import make_application

PORTAL = "https://partner.example.com"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def reject(application, reviewer, *, reason="Blurred scan", field_reasons=None):
    services.decide_application(
        application_id=application.pk,
        by=reviewer,
        approve=False,
        reason=reason,
        field_reasons=field_reasons,
    )
    return Notification.objects.get(user=application.user)


# --- PORTAL_BASE_URL -------------------------------------------------------------------


def test_email_confirmation_link_starts_with_portal_base_url_whatever_the_host(
    settings, client, db
):
    # given: the sign-up comes in through an internal host name
    settings.PORTAL_BASE_URL = PORTAL

    # when
    signup(client, host="localhost")

    # then
    body = mail.outbox[-1].body
    links = re.findall(r"https?://\S+", body)
    assert links
    assert all(link.startswith(f"{PORTAL}/") for link in links)
    assert f"{PORTAL}/account/confirm-email/" in body
    assert "localhost" not in body.replace("partner.example.com", "")


def test_email_confirmation_link_follows_the_request_when_portal_base_url_is_unset(
    settings, client, db
):
    settings.PORTAL_BASE_URL = ""

    signup(client, host="localhost")

    assert "http://localhost/account/confirm-email/" in mail.outbox[-1].body


def test_check_deploy_warns_when_portal_base_url_is_unset_with_debug_off(settings):
    # given
    settings.DEBUG = False
    settings.PORTAL_BASE_URL = ""

    # when
    ids = {message.id for message in run_checks(include_deployment_checks=True)}

    # then
    assert "onboarding.W001" in ids


def test_check_deploy_is_quiet_when_portal_base_url_is_set(settings):
    settings.DEBUG = False
    settings.PORTAL_BASE_URL = PORTAL

    ids = {message.id for message in run_checks(include_deployment_checks=True)}

    assert not ids & {"onboarding.W001", "onboarding.W002"}


def test_check_deploy_warns_about_a_base_url_without_a_scheme(settings):
    settings.DEBUG = False
    settings.PORTAL_BASE_URL = "partner.example.com"

    ids = {message.id for message in run_checks(include_deployment_checks=True)}

    assert "onboarding.W002" in ids


# --- the reader's language -------------------------------------------------------------


def test_old_text_rows_get_their_params_from_the_history(alice, rita):
    # given: a rejection announced as text only
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from onboarding.migrations import __name__ as package

    migration = __import__(f"{package}.0007_notification_params", fromlist=["x"])
    # The models as the migration saw them: Notification was onboarding's then.
    state = MigrationLoader(connection).project_state(("onboarding", "0007_notification_params"))
    apps = state.apps
    notification = reject(make_application(alice, state="pending_review"), rita)
    Notification.objects.filter(pk=notification.pk).update(params={}, title="Old", body="Old")

    # when
    migration.store_params(apps, None)

    # then
    notification.refresh_from_db()
    assert notification.params["reason"] == "Blurred scan"
    with translation.override("zh-hans"):
        assert "未通过" in notification.display_title


def test_the_category_limit_reads_in_chinese(alice_client):
    page = alice_client.get(reverse("onboarding:get-started") + "?type=tsp", **ZH).content.decode()

    assert "一次申请最多可选 4 个类目。" in page
