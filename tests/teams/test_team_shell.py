"""SPEC §8.3: the shell shows a member only what its role covers, for its account."""

import pytest
from django.urls import reverse

from tests.apps_services.conftest import make_developer

from ..conftest import make_member


@pytest.fixture
def developer_alice(alice, rita, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    make_developer(alice, state="approved", reviewer=rita)
    return alice


def menu_labels(response) -> list[str]:
    return [str(label) for label, _url in response.context["role_menu"]]


def test_a_member_sees_its_accounts_roles_and_only_the_menu_its_role_covers(
    developer_alice, client
):
    # given
    member = make_member(account=developer_alice, email="m@example.com", role={"apps": 2})
    client.force_login(member)

    # when
    response = client.get(reverse("accounts:dashboard"))

    # then
    assert [role.code for role in response.context["partner_roles"]]
    assert menu_labels(response) == ["App & Service"]
    assert response.context["acting_for"] == developer_alice
    assert response.context["unread_notifications"] == 0


def test_the_main_account_sees_its_whole_menu_and_no_acting_for(developer_alice, client):
    client.force_login(developer_alice)

    response = client.get(reverse("accounts:dashboard"))

    assert "Notifications" in menu_labels(response)
    assert "Compliance review" in menu_labels(response)
    assert response.context["acting_for"] is None
    assert response.context["my_account_links"] == {"team": True, "security_log": True}


def test_a_member_without_profile_or_apps_gets_no_role_switcher(developer_alice, client):
    # given
    member = make_member(account=developer_alice, email="m@example.com", role={"notifications": 1})
    client.force_login(member)

    # when
    response = client.get(reverse("accounts:dashboard"))

    # then
    assert response.context["partner_roles"] == []
    assert b"role-switcher" not in response.content
    assert menu_labels(response) == ["Notifications"]


def test_a_member_switches_among_its_accounts_roles(developer_alice, client):
    # given
    member = make_member(account=developer_alice, email="m@example.com", role="viewer")
    client.force_login(member)
    role = client.get(reverse("accounts:dashboard")).context["partner_roles"][0]

    # when
    response = client.post(reverse("onboarding:switch-role"), {"role": role.code})

    # then
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.active_role_id == role.pk
