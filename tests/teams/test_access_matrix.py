"""SPEC §8.1, §8.3, §3.14: every partner URL, requested by every kind of visitor, leaks
nothing and writes nothing it should not.

The URLs are read from the URL resolver: every pattern of the partner namespaces is either
in the matrix (MATRIX: its view declares that team module with
`accounts.permissions.module_required`), a page of the signed-in user's own (PER_USER_PAGES),
a page of the main account's only (MAIN_ACCOUNT_ONLY), or not a partner page at all
(NOT_PARTNER_PAGES). A new URL that is none of these fails `test_every_partner_url_is_known`.

For each URL, GET and POST (an empty or minimal body), in a world where alice (a main
account), bob (another one) and carol (a blacklisted one) each own one of everything a URL
can name:
- alice and her member holding only the URL's module (at manage) get the page: 200, 302, or
  405 for a method the view does not take; the member sees what alice sees;
- her member holding every other module (at manage) is refused: 403;
- bob's administrator gets a 404 for alice's objects, and his own pages elsewhere;
- an anonymous visitor is sent to log in;
- carol reads her own pages and her writes are refused (403), but for the views marked
  @allowed_when_blacklisted.
Refused requests change none of alice's rows (or carol's), and no refused answer shows
alice's app name, app key, company or service name, or her team's emails.

The world is built once for this file in a transaction rolled back after it; every request
is rolled back too, so one URL's writes never reach another's.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.decorators import is_allowed_when_blacklisted
from accounts.models import User
from accounts.permissions import Module
from apps_services.models import App
from notifications.models import Notification
from sellers.models import SellerType
from teams.models import Role

from .matrix_world import (
    FAST_HASHER,
    Answer,
    Holdings,
    World,
    account_rows,
    changes,
    request,
    undone,
    world_in_a_transaction,
)

# --- which URLs are partner pages ----------------------------------------------------------

# The namespaces whose URLs are partner pages (some of them excluded below).
PARTNER_NAMESPACES = frozenset(
    {
        "accounts",
        "onboarding",
        "compliance",
        "apps_services",
        "open_api",
        "console",
        "referrals",
        "notifications",
        "teams",
    }
)
# Namespaces with no partner page: staff, the Seller Center stand-in, the public catalog.
OTHER_NAMESPACES = frozenset({"admin", "sellers", "categories"})

# URLs of the partner namespaces that are not partner pages, and why.
NOT_PARTNER_PAGES = {
    # Public: the landing page (the dashboard once signed in, nothing of anyone's on it) and
    # "Resend" on the "Verify your email" page, before any login.
    "accounts:dashboard",
    "accounts:resend-verification",
    # The seller authorization link and the Open API: the seller's and the app's, signed by
    # app key and secret, never a partner session (SPEC §4.7-4.8).
    "open_api:authorize",
    "open_api:document",
    "open_api:token-get",
    "open_api:token-refresh",
    "open_api:shops",
    "open_api:deauthorize",
    # The seller's side, in the Seller Center stand-in (SPEC §4.9, §6).
    "open_api:app-logo",
    "open_api:authorization-list",
    "open_api:authorization-revoke",
    # The public short link and the seller sign-up it leads to (SPEC §5.5).
    "referrals:redirect",
    "referrals:seller-start",
    "referrals:seller-signup",
    "referrals:seller-welcome",
    # An invitation is accepted by the invited person, who is not in the team yet (SPEC §8.2).
    "teams:accept",
    "teams:join-signup",
}

# Partner pages of the signed-in user's own, which no team module covers: every member has
# them for their own login (SPEC §8.2: a member never changes the main account's login).
PER_USER_PAGES = {
    "accounts:profile",  # My Account; its account tab is the user's own
    "accounts:change",  # change login email, phone or password
    "accounts:verify-phone",
    "accounts:security",  # the user's own two-factor sign-in
    "onboarding:switch-role",  # which of the account's roles the menu shows
    "teams:leave",  # a member leaves the team they are in
}

# Partner pages only the main account may use, whatever a member's role: no module covers
# them, and every member is refused (403).
MAIN_ACCOUNT_ONLY = {
    "teams:team-mfa",  # SPEC §8.4: the main account decides whether members must use 2FA
    "accounts:security-log",  # SPEC §8.5: the account's log, the main account's to read
}

# Rows each recipient has their own of: a notification is written for the main account and
# copied to each member whose role reads it. A member opens their own copy (as alice opens
# hers); alice's row is not theirs (404).
PER_RECIPIENT_ROWS = {"notifications:notification-open"}

# The module each partner page belongs to (SPEC §8.3), checked against the view's own
# `team_module`. A URL missing here fails `test_every_partner_url_is_known`.
MATRIX = {
    "onboarding:get-started": Module.PROFILE,
    "onboarding:add-category": Module.PROFILE,
    "onboarding:batch-edit": Module.PROFILE,
    "onboarding:batch-next": Module.PROFILE,
    "onboarding:batch-delete": Module.PROFILE,
    "onboarding:application-detail": Module.PROFILE,
    "onboarding:application-edit": Module.PROFILE,
    "onboarding:document": Module.PROFILE,
    "compliance:overview": Module.PROFILE,
    "compliance:questionnaire": Module.PROFILE,
    "compliance:security-review": Module.PROFILE,
    "compliance:appeal": Module.PROFILE,
    "compliance:appeal-document": Module.PROFILE,
    "apps_services:seller-verification": Module.PROFILE,
    "apps_services:app-list": Module.APPS,
    "apps_services:app-create": Module.APPS,
    "apps_services:app-detail": Module.APPS,
    "apps_services:app-edit": Module.APPS,
    "apps_services:app-publish": Module.APPS,
    "apps_services:app-deactivate": Module.APPS,
    "apps_services:app-logo": Module.APPS,
    "apps_services:app-reveal-secret": Module.SECRETS,
    "apps_services:app-rotate-secret": Module.SECRETS,
    "open_api:app-authorizations": Module.AUTHORIZATIONS,
    "open_api:app-deauthorize": Module.AUTHORIZATIONS,
    "open_api:app-webhooks": Module.WEBHOOKS,
    "open_api:app-webhook-test": Module.WEBHOOKS,
    "open_api:app-webhook-redeliver": Module.WEBHOOKS,
    "console:test-shops": Module.AUTHORIZATIONS,
    "console:test-shop-create": Module.AUTHORIZATIONS,
    "console:test-shop-delete": Module.AUTHORIZATIONS,
    "console:test-shop-authorize": Module.AUTHORIZATIONS,
    "console:api-testing": Module.AUTHORIZATIONS,
    "console:signature-debugger": Module.SECRETS,
    "open_api:app-webhook-topics": Module.WEBHOOKS,
    "console:scopes": Module.APPS,
    "console:scope-request": Module.APPS,
    "console:scope-withdraw": Module.APPS,
    "console:ip-allow-list": Module.APPS,
    "console:ip-allow-list-add": Module.APPS,
    "console:ip-allow-list-remove": Module.APPS,
    "console:api-calls": Module.APPS,
    "referrals:service-list": Module.SHOP_REGISTRATION,
    "referrals:service-create": Module.SHOP_REGISTRATION,
    "referrals:service-detail": Module.SHOP_REGISTRATION,
    "referrals:service-publish": Module.SHOP_REGISTRATION,
    "referrals:service-deactivate": Module.SHOP_REGISTRATION,
    "referrals:service-links": Module.SHOP_REGISTRATION,
    "referrals:link-qr": Module.SHOP_REGISTRATION,
    "notifications:notifications": Module.NOTIFICATIONS,
    "notifications:notification-open": Module.NOTIFICATIONS,
    "notifications:notifications-read-all": Module.NOTIFICATIONS,
    "teams:members": Module.TEAM,
    "teams:invite": Module.TEAM,
    "teams:resend": Module.TEAM,
    "teams:revoke": Module.TEAM,
    "teams:change-role": Module.TEAM,
    "teams:remove": Module.TEAM,
    "teams:roles": Module.TEAM,
    "teams:role-create": Module.TEAM,
    "teams:role-edit": Module.TEAM,
    "teams:role-delete": Module.TEAM,
}


def partner_patterns() -> dict[str, URLPattern]:
    """{namespaced name: pattern} of every named URL of the partner namespaces."""
    found: dict[str, URLPattern] = {}
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in PARTNER_NAMESPACES:
            for pattern in walk(entry):
                if pattern.name:
                    found.setdefault(f"{entry.namespace}:{pattern.name}", pattern)
    return found


def walk(resolver: URLResolver):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry)
        else:
            yield entry


def matrix_names() -> list[str]:
    return sorted(name for name in partner_patterns() if name not in NOT_PARTNER_PAGES)


# Tabs of a page of the user's own that show the account's things, with their module
# (checked in the view's body, so not on the view).
TABS = {
    "accounts:profile?tab=entity": Module.PROFILE,
    "accounts:profile?tab=categories": Module.PROFILE,
}


def matrix_cases() -> list[str]:
    """The matrix's pages: every partner URL, and the tabs above."""
    names = matrix_names()
    return sorted([*names, *(tab for tab in TABS if tab.partition("?")[0] in names)])


# What a page needs besides its path to be itself (not a 404 for a missing choice).
QUERIES = {"onboarding:get-started": "?type=tsp"}
# The smallest POST that reaches the view's work (anything else posts an empty form).
BODIES = {
    "onboarding:switch-role": lambda: {"role": "app-developer"},
    "console:scope-request": lambda: {
        "reason": "We print packing slips for the seller's orders every morning."
    },
    "console:ip-allow-list-add": lambda: {"network": "203.0.113.0/24"},
    "teams:invite": lambda: {
        "email": "someone.new@example.com",
        "role": Role.objects.builtin("viewer").pk,
    },
}


def allowed_methods(view) -> set[str] | None:
    """The methods `require_http_methods` lets through to `view`, None if it does not say."""
    while view is not None:
        code = getattr(view, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = view.__closure__[code.co_freevars.index("request_method_list")]
            return set(cell.cell_contents)
        view = getattr(view, "__wrapped__", None)
    return None


def takes(pattern: URLPattern, method: str) -> bool:
    methods = allowed_methods(pattern.callback)
    return methods is None or method.upper() in methods


def kwargs_for(name: str, pattern: URLPattern, things: Holdings) -> dict:
    """The URL's arguments, naming `things` (one main account's objects)."""
    namespace = name.split(":")[0]
    if namespace == "teams":  # invitations/<pk>/…, members/<pk>/…, roles/<pk>/…
        route = str(pattern.pattern)
        team_objects = {
            "invitations/": things.invitation.pk,
            "members/": things.colleague.pk,
            "roles/": things.spare_role.pk,
        }
        things_pk = [pk for prefix, pk in team_objects.items() if route.startswith(prefix)]
        if things_pk and "pk" in pattern.pattern.converters:
            return {"pk": things_pk[0]}
    pk = {
        "onboarding": things.application.pk,
        "apps_services": things.app.pk,
        "open_api": things.app.pk,
        "console": things.app.pk,
        "referrals": things.service.pk,
        "notifications": things.notification.pk,
        "compliance": things.appeal.pk,
    }
    values = {
        "batch": things.application.batch,
        "name": things.document,
        "authorization_id": things.authorization.pk,
        "delivery_id": things.delivery.pk,
        "test_shop_id": things.test_shop_id,
        "network_id": things.allowed_network.pk if things.allowed_network else 0,
        "kind": SellerType.LOCAL.slug,
        "what": "email",
        "key": "seller.order.info",  # a restricted scope: requested and withdrawn by key
    }
    kwargs = {}
    for converter in pattern.pattern.converters:
        if converter == "pk" and namespace in pk:
            kwargs[converter] = pk[namespace]
        elif converter in values:
            kwargs[converter] = values[converter]
        else:
            raise AssertionError(
                f"{name}: the matrix has no object for <{converter}>; give every main account "
                "one in give_everything() and name it in kwargs_for()"
            )
    return kwargs


# Arguments that name no object of anyone's (which credential a page changes, which link).
NOT_OBJECTS = frozenset({"what", "kind", "key"})


def names_an_object(pattern: URLPattern) -> bool:
    return bool(set(pattern.pattern.converters) - NOT_OBJECTS)


# --- the matrix ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for this file, in a transaction rolled back after it."""
    media = tmp_path_factory.mktemp("matrix")
    with django_db_blocker.unblock(), world_in_a_transaction(media) as built:
        yield built


@pytest.fixture
def world(built_world, db, _embedded_defaults, settings):
    """The world, in this test's transaction: its files where it wrote them."""
    settings.MEDIA_ROOT = str(built_world.media / "media")
    settings.PRIVATE_MEDIA_ROOT = built_world.media / "private"
    settings.PASSWORD_HASHERS = FAST_HASHER
    return built_world


class Matrix:
    """Requests one URL as every actor and keeps what went wrong, in words."""

    def __init__(
        self, world: World, name: str, pattern: URLPattern, module: str | None, query: str = ""
    ):
        self.world, self.name, self.pattern = world, name, pattern
        self.failures: list[str] = []
        query = query or QUERIES.get(name, "")
        self.alice_url = reverse(name, kwargs=kwargs_for(name, pattern, world.alice)) + query
        self.carol_url = reverse(name, kwargs=kwargs_for(name, pattern, world.carol)) + query
        self.body = BODIES.get(name, dict)()
        self.login = reverse("account_login")
        users = {
            "main": world.alice.user,
            "with_module": world.with_module[module],
            "without_module": world.without_module[module],
            "bob_member": world.bob_member,
            "carol": world.carol.user,
        }
        self.users = users
        self.clients = {"anonymous": Client(raise_request_exception=False)}
        for actor, user in users.items():
            self.clients[actor] = Client(raise_request_exception=False)
            self.clients[actor].force_login(user)
        self.urls = {actor: self.alice_url for actor in self.clients}
        self.urls["carol"] = self.carol_url

    def give_own_notification(self, actor: str) -> str:
        """`actor` gets their own copy of alice's notification, and opens that; returns the
        name under which the same member asks for alice's row."""
        original = self.world.alice.notification
        copy = Notification.objects.create(
            user=self.users[actor],
            kind=original.kind,
            params=original.params,
            title=original.title,
            body=original.body,
            url=original.url,
        )
        self.urls[actor] = reverse(self.name, kwargs={"pk": copy.pk})
        on_alices = f"{actor} (alice's row)"
        self.clients[on_alices], self.urls[on_alices] = self.clients[actor], self.alice_url
        return on_alices

    def ask(self, actor: str, method: str) -> Answer:
        with undone():
            return request(self.clients[actor], method, self.urls[actor], self.body)

    def ask_refused(self, asks: list[tuple[str, str]], owner: User) -> dict:
        """Answers to requests that must change nothing of `owner`'s; what one changed is
        a failure (found by asking again one by one)."""
        with undone():
            before = account_rows(owner)
            url = self.urls
            answers = {
                (actor, method): request(self.clients[actor], method, url[actor], self.body)
                for actor, method in asks
            }
            wrote = changes(before, account_rows(owner))
        if wrote:
            for actor, method in asks:
                with undone():
                    before = account_rows(owner)
                    request(self.clients[actor], method, url[actor], self.body)
                    wrote = changes(before, account_rows(owner))
                if wrote:
                    self.fail(
                        actor, method, answers[(actor, method)], f"no write, but it changed {wrote}"
                    )
        return answers

    def fail(self, actor: str, method: str, answer: Answer, expected: str) -> None:
        got = f"{answer.status}" + (f" → {answer.location}" if answer.location else "")
        where = f"{self.name} {self.urls[actor]} as {actor}, {method.upper()}"
        self.failures.append(f"{where}: got {got}, expected {expected}")

    def expect(self, actor: str, method: str, answer: Answer, allowed: set[int], why: str):
        if answer.status == 405 and not takes(self.pattern, method):
            return
        if answer.status not in allowed:
            self.fail(actor, method, answer, why)

    def no_leak(self, actor: str, method: str, answer: Answer, *, email: bool = False) -> None:
        words = list(self.world.alice.secrets) + ([self.world.alice.user.email] if email else [])
        shown = [w for w in words if w in answer.body or escape(w) in answer.body]
        if shown:
            self.fail(actor, method, answer, f"nothing of alice's, but it shows {shown}")


OK = {200, 302}
METHODS = ("get", "post")


def module_of(name: str, pattern: URLPattern) -> str | None:
    return getattr(pattern.callback, "team_module", None)


# --- the tests -----------------------------------------------------------------------------


def test_every_partner_url_is_known():
    """A new URL in a partner namespace is put in the matrix, or said not to be a partner
    page (or a page of the user's own), here."""
    # given
    namespaces = {
        entry.namespace
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and entry.namespace
    }
    known = set(MATRIX) | PER_USER_PAGES | MAIN_ACCOUNT_ONLY | NOT_PARTNER_PAGES

    # then
    assert namespaces <= PARTNER_NAMESPACES | OTHER_NAMESPACES, "a new namespace: which is it?"
    assert set(partner_patterns()) - known == set()
    assert {"apps_services:app-detail", "open_api:app-webhooks", "referrals:link-qr"} <= set(
        matrix_names()
    )


@pytest.mark.parametrize("name", matrix_names())
def test_every_partner_page_declares_its_team_module(name):
    pattern = partner_patterns()[name]

    if name in PER_USER_PAGES | MAIN_ACCOUNT_ONLY:
        return
    assert module_of(name, pattern) is not None, f"{name}: no @module_required"
    assert module_of(name, pattern) == MATRIX[name]


def test_the_world_is_seen_whole_and_a_write_in_it_is_noticed(world):
    # given
    rows = account_rows(world.alice.user)

    # when
    with undone():
        App.objects.filter(pk=world.alice.app.pk).update(name="Renamed")
        Notification.objects.filter(user=world.alice.user).update(read_at=timezone.now())
        written = changes(rows, account_rows(world.alice.user))

    # then
    assert {
        "onboarding.CompanyEntity",
        "onboarding.Application",
        "compliance.ComplianceReview",
        "apps_services.App",
        "open_api.Authorization",
        "open_api.WebhookDelivery",
        "referrals.ShopRegistrationService",
        "referrals.ReferralLink",
        "notifications.Notification",
        "teams.Membership",
        "teams.Role",
    } <= set(rows)
    assert written == [
        "apps_services.App changed ['name']",
        "notifications.Notification changed ['read_at']",
    ]
    assert changes(rows, account_rows(world.alice.user)) == []
    assert account_rows(world.bob.user)["apps_services.App"][0]["name"] == "Bob Order Sync"


@pytest.mark.parametrize("case", matrix_cases())
def test_no_one_reads_or_writes_beyond_their_account_and_role(case, world):
    # given
    name, _, tab = case.partition("?")
    pattern = partner_patterns()[name]
    per_user = name in PER_USER_PAGES and case not in TABS
    main_only = name in MAIN_ACCOUNT_ONLY
    module = None if per_user else (TABS.get(case) or module_of(name, pattern) or MATRIX.get(name))
    matrix = Matrix(world, name, pattern, module, query=f"?{tab}" if tab else "")
    per_recipient = name in PER_RECIPIENT_ROWS
    on_alices_row = matrix.give_own_notification("with_module") if per_recipient else None

    # when / then: alice, and her member holding the module, get the page
    for method in METHODS:
        answer = matrix.ask("main", method)
        matrix.expect("main", method, answer, OK, "200 or 302")
        if main_only:
            continue
        as_member = matrix.ask("with_module", method)
        if per_user:
            matrix.expect("with_module", method, as_member, OK, "200 or 302 (their own)")
        elif (as_member.status, as_member.location) != (answer.status, answer.location):
            matrix.fail("with_module", method, as_member, f"like alice: {answer.status}")
        else:
            shown = [w for w in world.alice.shown_in(module) if w in answer.body]
            missing = [w for w in shown if w not in as_member.body]
            if missing:
                matrix.fail("with_module", method, as_member, f"alice's page, with {missing}")

    # her member without the module is refused; another team's administrator is told
    # alice's objects do not exist, and sees his own pages elsewhere; anonymous visitors
    # are sent to log in. None of it changes anything of alice's.
    refused_actors = ["bob_member", "anonymous"]
    if not per_user:
        refused_actors.append("without_module")
    if main_only:  # a member is refused whatever their role
        refused_actors.append("with_module")
    if on_alices_row:
        refused_actors.append(on_alices_row)
    refused = matrix.ask_refused(
        [(actor, method) for actor in refused_actors for method in METHODS], world.alice.user
    )
    if per_user:  # a page of their own: a member may use it whatever their role
        for method in METHODS:
            answer = matrix.ask("without_module", method)
            matrix.expect("without_module", method, answer, OK, "200 or 302 (their own)")
    for (actor, method), answer in refused.items():
        if actor == "with_module" or (actor == "bob_member" and main_only):
            matrix.expect(actor, method, answer, {403}, "403 (the main account's only)")
            matrix.no_leak(actor, method, answer, email=actor == "bob_member")
        elif actor == "without_module":
            matrix.expect(actor, method, answer, {403}, "403")
            matrix.no_leak(actor, method, answer)
        elif actor == on_alices_row:
            matrix.expect(actor, method, answer, {404}, "404 (alice's own row)")
            matrix.no_leak(actor, method, answer)
        elif actor == "bob_member":
            if names_an_object(pattern):
                matrix.expect(actor, method, answer, {404}, "404")
            else:
                matrix.expect(actor, method, answer, OK, "200 or 302 (bob's own)")
            matrix.no_leak(actor, method, answer, email=True)
        elif answer.status != 302 or matrix.login not in answer.location:
            matrix.expect(actor, method, answer, set(), "302 to the login")

    # carol, blacklisted, reads her own pages and writes nothing
    matrix.expect("carol", "get", matrix.ask("carol", "get"), OK, "200 or 302 (her own page)")
    if is_allowed_when_blacklisted(resolve(matrix.carol_url.split("?")[0]).func):
        answer = matrix.ask("carol", "post")
        matrix.expect("carol", "post", answer, OK, "200 or 302 (allowed when blacklisted)")
    else:
        answer = matrix.ask_refused([("carol", "post")], world.carol.user)[("carol", "post")]
        matrix.expect("carol", "post", answer, {403}, "403 (blacklisted)")

    assert not matrix.failures, "\n".join(["", *matrix.failures])
