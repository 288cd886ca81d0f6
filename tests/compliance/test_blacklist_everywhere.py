"""SPEC §3.14: after the third consecutive rejection the account is blacklisted; it can read
but every write URL of the portal refuses it, and nothing in the database changes."""

import re

import pytest
from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.decorators import is_allowed_when_blacklisted
from accounts.models import AccountBlacklisted, User
from compliance import services
from compliance.models import ComplianceReview
from notifications.models import Notification
from tests.apps_services.conftest import make_app
from tests.apps_services.conftest import make_developer as make_certified
from tests.conftest import PASSWORD

from .conftest import ANSWERS, reject, submit_review

# The Seller Center stand-in ("sellers") acts for the seller signed in there, not for the
# partner: it is not walked.
WRITE_NAMESPACES = {
    "accounts",
    "onboarding",
    "compliance",
    "apps_services",
    "open_api",
    "referrals",
    "console",
}
# The only views a blacklisted account may still post to: they change how it reads, not
# what it owns, or they act for the seller signed in to the Seller Center stand-in.
WRITES_ALLOWED_WHEN_BLACKLISTED = {
    "account_logout",
    "set_language",
    "onboarding:switch-role",
    "notifications:notification-open",
    "notifications:notifications-read-all",
    # SPEC §8.6: the one write a blacklisted account makes is its appeal.
    "compliance:appeal",
    # A POST that computes and writes nothing: the signature debugger checks a pasted request.
    "console:signature-debugger",
    # Seller Center stand-in pages that other apps own: they act for the seller.
    "open_api:authorize",
    "open_api:app-logo",
    "open_api:authorization-list",
    "open_api:authorization-revoke",
    "referrals:seller-start",
    "referrals:seller-signup",
    "referrals:seller-welcome",
}
PLACEHOLDERS = {
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "int": "1",
}


def write_urls(real_ids: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(name, path) of every URL in the partner namespaces that a blacklisted account could
    POST to, arguments filled with `real_ids` (by argument name) or placeholders."""
    real_ids = real_ids or {}
    found = []

    def fill(route: str) -> str:
        def value(match):
            converter, name = match.group(1), match.group(2)
            return real_ids.get(name, PLACEHOLDERS.get(converter, "x"))

        return re.sub(r"<(\w+):(\w+)>", value, route)

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace in WRITE_NAMESPACES:
                name = f"{namespace}:{p.name}"
                if not is_allowed_when_blacklisted(p.callback):
                    route = (prefix + str(p.pattern)).lstrip("^").rstrip("$")
                    found.append((name, "/" + fill(route)))

    walk(get_resolver().url_patterns, "", None)
    return found


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table, so "nothing changed" means exactly that."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        # The session row holds the login itself; it is not partner data.
        if model._meta.label != "sessions.Session" and model._meta.db_table in tables
    }


@pytest.fixture
def blacklisted(alice, rita):
    """Alice: a certified UK developer with an app, a questionnaire and a security review
    rejected three times in a row."""
    application = make_certified(alice, state="approved", reviewer=rita)
    make_app(alice, category="isv-order-management")
    services.request_questionnaire(user=alice)
    for _attempt in range(3):
        review = submit_review(alice)
        reject(review, rita)
    alice.refresh_from_db()
    assert alice.is_blacklisted
    alice.application = application
    return alice


def payload(user) -> dict:
    """A form that would be valid for most pages: if the guard let anything through, it
    would change something."""
    return {
        **{k: str(v) for k, v in ANSWERS.items()},
        "action": "submit",
        "confirm": "on",
        "login": user.email,
        "password": PASSWORD,
        "channel": "email",
        "name": "Renamed by a blacklisted account",
        "reason": "x",
        "app_type": "custom",
        "api_enabled": "on",
        "redirect_url": "https://example.com/callback",
    }


def test_walker_covers_every_partner_namespace_and_the_compliance_pages():
    names = {name for name, _path in write_urls()}
    namespaces = {name.split(":")[0] for name in names}

    assert namespaces >= WRITE_NAMESPACES
    assert {
        "compliance:questionnaire",
        "compliance:security-review",
        "apps_services:app-publish",
        "apps_services:app-create",
        "open_api:app-deauthorize",
        "open_api:app-webhook-test",
    } <= names


def allowed_views() -> set[str]:
    """The names of every view outside the Seller Center stand-in marked
    @allowed_when_blacklisted, and whether every stand-in view is."""
    found, sellers = set(), []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif namespace == "sellers":
                sellers.append(is_allowed_when_blacklisted(p.callback))
            elif is_allowed_when_blacklisted(p.callback):
                found.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, None)
    assert sellers
    assert all(sellers)
    return found


def test_only_the_reading_and_seller_side_views_are_open_to_a_blacklisted_account():
    assert allowed_views() == WRITES_ALLOWED_WHEN_BLACKLISTED


def test_every_write_url_refuses_a_blacklisted_account_and_changes_nothing(
    client, blacklisted, django_capture_on_commit_callbacks
):
    # given
    app = blacklisted.apps.get()
    ids = {
        "pk": str(blacklisted.application.pk),
        "batch": str(blacklisted.application.batch),
        "what": "email",
    }
    urls = write_urls(ids)
    # App URLs take the app's id rather than the application's.
    urls = [
        (name, path.replace(f"/apps/{ids['pk']}/", f"/apps/{app.pk}/"))
        if name.startswith(("apps_services:", "open_api:app-", "console:"))
        else (name, path)
        for name, path in urls
    ]
    client.force_login(blacklisted)
    before = snapshot()
    refused = {}

    # when
    with django_capture_on_commit_callbacks(execute=True):
        for name, path in urls:
            response = client.post(path, payload(blacklisted))
            refused[name] = (
                response.status_code == 403
                and "Your account is blacklisted" in response.content.decode()
            )

    # then
    assert [name for name, ok in refused.items() if not ok] == []
    assert snapshot() == before


def test_a_blacklisted_account_still_reads_its_pages(client, blacklisted):
    client.force_login(blacklisted)

    for path in (
        "/onboarding/compliance/",
        "/onboarding/compliance/security-review/",
        f"/apps/{blacklisted.apps.get().pk}/",
        "/my-account/profile/",
        "/onboarding/notifications/",
    ):
        assert client.get(path).status_code == 200, path


def test_services_refuse_a_blacklisted_account_outside_the_views(blacklisted):
    # given
    before = snapshot()

    # when / then
    with pytest.raises(AccountBlacklisted):
        services.request_questionnaire(user=blacklisted)
    with pytest.raises(AccountBlacklisted):
        services.save_security_review(user=blacklisted, answers=ANSWERS, submit=True)
    assert snapshot() == before


def test_the_partner_was_told_about_the_blacklisting(blacklisted):
    kinds = set(Notification.objects.filter(user=blacklisted).values_list("kind", flat=True))

    assert Notification.Kind.ACCOUNT_BLACKLISTED in kinds
    assert ComplianceReview.objects.get(user=blacklisted).consecutive_rejections == 3
    assert User.objects.get(pk=blacklisted.pk).blacklist_reason.startswith("security review")
