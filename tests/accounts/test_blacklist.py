"""SPEC §3.14: a blacklisted account can log in and read, but every write is refused."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.middleware import WRITES_ALLOWED_WHEN_BLACKLISTED
from accounts.models import AccountBlacklisted

PARTNER_NAMESPACES = {"accounts", "onboarding", "apps_services", "referrals", "categories"}
DUMMY = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000001",
         "path": "x"}  # fmt: skip


def partner_paths():
    """Every URL of the partner-facing apps, with placeholder values for its arguments."""
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace in PARTNER_NAMESPACES:
                if f"{namespace}:{p.name}" in WRITES_ALLOWED_WHEN_BLACKLISTED:
                    continue
                route = prefix + str(p.pattern)
                for conv in DUMMY:
                    route = _fill(route, conv)
                found.append((f"{namespace}:{p.name}", "/" + route))

    walk(get_resolver().url_patterns, "", None)
    return found


def _fill(route: str, converter: str) -> str:
    import re

    return re.sub(rf"<{converter}:\w+>", DUMMY[converter], route)


@pytest.fixture
def blacklisted(alice):
    alice.blacklist(reason="three security review rejections")
    return alice


def test_walker_finds_the_partner_urls():
    names = {name for name, _ in partner_paths()}
    assert {"accounts:profile", "accounts:change", "accounts:verify-phone"} <= names


@pytest.mark.parametrize(("name", "path"), partner_paths())
def test_every_partner_write_is_refused_for_a_blacklisted_account(client, blacklisted, name, path):
    client.force_login(blacklisted)

    response = client.post(path, {"action": "send", "channel": "email"})

    assert response.status_code == 403, name
    assert "Your account is blacklisted" in response.content.decode()


def test_blacklisted_account_can_still_read_its_pages(client, blacklisted):
    client.force_login(blacklisted)

    assert client.get("/my-account/profile/").status_code == 200


def test_blacklisted_account_changes_nothing_through_the_code_flow(client, blacklisted, mailoutbox):
    client.force_login(blacklisted)

    client.post("/my-account/change/email/", {"action": "send", "channel": "email"})

    assert mailoutbox == []
    assert not blacklisted.verification_codes.exists()


def test_blacklisted_account_can_log_out(client, blacklisted):
    client.force_login(blacklisted)

    client.post("/account/logout/")

    assert "_auth_user_id" not in client.session


def test_services_refuse_a_blacklisted_account_outside_views(blacklisted):
    with pytest.raises(AccountBlacklisted):
        blacklisted.ensure_can_write()


def test_blacklisting_twice_keeps_the_first_date(blacklisted):
    first = blacklisted.blacklisted_at

    blacklisted.blacklist(reason="again")

    assert blacklisted.blacklisted_at == first
