"""SPEC §8.2/8.3 in the browser: the main account makes a role and invites a colleague, who
signs up from the emailed link and joins; the colleague builds an app on the team's account
but may not reveal its secret; the main account removes them and their open page loses the
account at its next request."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from accounts.models import AccountEvent, User
from apps_services.models import App
from teams.models import Membership, Role
from tests.apps_services.conftest import make_developer
from tests.conftest import PASSWORD, make_user

from .test_onboarding_journey import log_in

pytestmark = pytest.mark.browser

MEMBER = "dana@example.com"
LINK = re.compile(r"https?://\S+/my-account/team/join/[\w-]+/")


@pytest.fixture
def certified_alice(db, rita, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    alice = make_user(email="alice@example.com")
    make_developer(alice, state="approved", reviewer=rita)
    return alice


def test_a_colleague_joins_builds_an_app_without_its_secret_and_is_removed(
    page, browser, live_server, shoot, certified_alice
):
    alice = certified_alice

    # The main account makes a role that builds apps but holds no secret.
    log_in(page, alice.email)
    page.goto("/my-account/team/roles/new/")
    page.get_by_label("Role name").fill("App developer")
    page.locator("input[name=module_apps][value='2']").check()
    page.locator("input[name=module_notifications][value='1']").check()
    shoot(page, "role-form")
    page.get_by_role("button", name="Save role").click()
    page.get_by_text("Role “App developer” saved.").wait_for()
    shoot(page, "roles")

    # … and invites a colleague with it.
    page.goto("/my-account/team/")
    page.locator("#invite-form input[name=email]").fill(MEMBER)
    page.locator("#invite-form select[name=role]").select_option(label="App developer")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text(f"Invitation sent to {MEMBER}.").wait_for()
    assert page.locator("#invitations").get_by_text("Pending").is_visible()
    shoot(page, "invited")

    # The colleague opens the emailed link in their own browser and signs up from it.
    message = next(m for m in reversed(mail.outbox) if m.to == [MEMBER])
    link = LINK.search(message.body).group(0)
    member_context = browser.new_context(base_url=live_server.url, locale="en-US")
    member = member_context.new_page()
    member.set_default_timeout(15_000)
    member.goto(urlsplit(link).path)  # PORTAL_BASE_URL is the portal's address in emails
    member.get_by_text("alice@example.com invited you to join the team").wait_for()
    shoot(member, "invitation")
    member.get_by_role("link", name="Create an account").click()
    assert member.locator("input[name=email]").input_value() == MEMBER
    member.locator("input[name=password1]").fill(PASSWORD)
    member.locator("input[name=password2]").fill(PASSWORD)
    member.get_by_role("button", name="Sign up and join").click()
    member.get_by_text("Welcome to the team.").wait_for()
    assert member.locator("#acting-for").inner_text() == "Acting for alice@example.com"
    shoot(member, "joined")
    dana = User.objects.get(email=MEMBER)
    assert dana.account == alice
    assert Membership.objects.get(user=dana).role == Role.objects.get(name="App developer")

    # The menu shows what the role covers: App & Service, not Shop registration, no Team.
    menu = member.locator("nav.sidebar")
    assert menu.get_by_role("link", name="App & Service").is_visible()
    assert menu.get_by_role("link", name="Team members").count() == 0

    # The colleague creates an app: it belongs to the team's account.
    member.goto("/apps/create/")
    member.get_by_label("Default name").fill("Team Order Sync")
    member.locator("select[name=market]").select_option(label="United Kingdom")
    member.get_by_label("Local sellers").check()
    member.get_by_label("Enable API").check()
    member.get_by_label("Redirect URL").fill("https://example.com/callback")
    shoot(member, "create-app")
    member.get_by_role("button", name="Create").click()
    member.get_by_text("App created.").wait_for()
    app = App.objects.get(name="Team Order Sync")
    assert app.owner == alice
    shoot(member, "app-detail")

    # No Reveal button for a role without App secrets, and the server refuses it anyway.
    assert member.get_by_role("button", name="Reveal").count() == 0
    token = member.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    refused = member.request.post(
        f"/apps/{app.pk}/secret/reveal/",
        form={"csrfmiddlewaretoken": token},
        headers={"Referer": member.url},
    )
    assert refused.status == 403
    assert not AccountEvent.objects.filter(event_type=AccountEvent.Type.SECRET_REVEALED).exists()

    # The main account removes the colleague …
    page.goto("/my-account/team/")
    page.locator(f"#member-{dana.pk}").get_by_role("link", name="Remove").click()
    shoot(page, "remove-confirm")
    page.get_by_role("button", name="Remove").click()
    page.get_by_text(f"{MEMBER} was removed from the team.").wait_for()
    shoot(page, "removed")

    # … whose open page loses the account at its next request.
    member.reload()
    member.wait_for_url(re.compile(r"/account/login/"))
    shoot(member, "signed-out")
    assert User.objects.get(pk=dana.pk).account is None
    member_context.close()
