"""SPEC §8.1, §8.3, §3.14: every partner URL, requested by every kind of visitor, leaks
nothing and writes nothing it should not.

The URLs are read from the URL resolver: every pattern of the partner namespaces is either
in the matrix (MATRIX: its view declares that team module with
`teams.permissions.module_required`), a page of the signed-in user's own (PER_USER_PAGES),
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

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.decorators import is_allowed_when_blacklisted
from accounts.models import User
from apps_services import services as app_services
from apps_services.models import App, AppType
from categories.catalog import seed as seed_catalog
from categories.models import Center, Market, PartnerType, Region, ServiceCategory
from demo.seed.accounts import ensure_reviewers_group
from notifications.models import Notification
from onboarding import services as onboarding
from onboarding.models import Application, CompanyEntity
from open_api.models import Authorization, WebhookDelivery
from referrals.models import ShopRegistrationService
from sellers.models import SellerType
from teams.models import Invitation, Role
from teams.permissions import Access, Module
from tests.compliance.conftest import submit_review
from tests.conftest import make_member, make_user
from tests.onboarding.conftest import upload
from tests.referrals.conftest import make_service, make_shop_partner, publish

# --- which URLs are partner pages ----------------------------------------------------------

# The namespaces whose URLs are partner pages (some of them excluded below).
PARTNER_NAMESPACES = frozenset(
    {
        "accounts",
        "onboarding",
        "compliance",
        "apps_services",
        "open_api",
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


ISV_CATEGORY = "isv-order-management"

# --- the world -----------------------------------------------------------------------------


@dataclass
class Holdings:
    """One main account's things that URLs name, and the words that must not leak."""

    user: User
    application: Application
    app: App
    authorization: Authorization
    delivery: WebhookDelivery
    service: ShopRegistrationService
    notification: Notification
    document: str
    colleague: User
    invitation: Invitation
    spare_role: Role
    secrets: list[str] = field(default_factory=list)

    def shown_in(self, module: str | None) -> list[str]:
        """What a page of `module` shows of these things (to its member as to the owner)."""
        app, entity = [self.app.name, self.app.app_key], self.secrets[2:4]
        return {
            Module.PROFILE: entity,
            Module.APPS: app,
            Module.SECRETS: app,
            Module.AUTHORIZATIONS: [*app, self.authorization.shop_name],
            Module.WEBHOOKS: [*app, self.delivery.notification_id],
            Module.SHOP_REGISTRATION: [self.service.name],
            Module.TEAM: [self.colleague.email, self.invitation.email, self.spare_role.name],
        }.get(module, [])


def apply(user: User, *, kind: str, category: str) -> Application:
    """A draft application of `user`'s in the US, with its plan filled in."""
    (application,) = onboarding.start_applications(
        user=user,
        partner_type=PartnerType.objects.get(code=kind),
        region=Region.objects.get(code="US"),
        markets=Market.objects.filter(code="US"),
        categories=ServiceCategory.objects.filter(code=category),
    )
    application.service_plan = "We build order sync for sellers."
    application.team_size = 4
    application.save()
    return application


def become_developer(user: User, *, reviewer: User) -> None:
    """An approved ISV application in the US, next to the shop registration one."""
    application = apply(user, kind="isv", category=ISV_CATEGORY)
    onboarding.submit_application(application_id=application.pk, by=user)
    onboarding.decide_application(application_id=application.pk, by=reviewer, approve=True)


def give_everything(user: User, *, prefix: str, reviewer: User) -> Holdings:
    """`user` (a US partner) gets, through the real services where they are quick: an
    approved shop registration application and a published service with its links; an
    approved developer application, an app with an authorized shop and a webhook delivery;
    a submitted security review; a draft application (batch, documents); notifications."""
    make_shop_partner(user, reviewer=reviewer)
    # Names of its own, to look for in answers (the approved entity is frozen to save()).
    CompanyEntity.objects.filter(user=user).update(
        legal_name=f"{prefix} Holdings Ltd", partner_name=f"{prefix} Growth"
    )
    entity = CompanyEntity.objects.get(user=user)
    service = publish(make_service(user, name=f"{prefix} Shop Setup"))
    become_developer(user, reviewer=reviewer)
    app = app_services.create_app(
        user=user,
        app_type=AppType.CUSTOM,
        category=ServiceCategory.objects.get(code=ISV_CATEGORY),
        name=f"{prefix} Order Sync",
        market=Market.objects.get(code="US"),
        seller_type=SellerType.LOCAL,
        api_enabled=True,
        redirect_url=f"https://{prefix.lower()}.example/callback",
        logo=upload("logo.png"),
    )
    # Set past the address check (it would look the host up): nothing is sent in a test.
    App.objects.filter(pk=app.pk).update(webhook_url=f"https://hooks.{prefix.lower()}.example/")
    app.refresh_from_db()
    authorization = Authorization.objects.create(
        app=app,
        seller_account_id=f"{prefix}-seller",
        seller_name=f"{prefix} Seller",
        seller_base_region="US",
        shop_id=f"7494{user.pk:012d}",
        shop_name=f"{prefix} Shop",
        shop_region="US",
        shop_cipher=f"cipher-{prefix}",
        seller_type="LOCAL",
        open_id=f"open-{prefix}",
        expires_at=timezone.now() + timedelta(days=300),
    )
    delivery = WebhookDelivery.enqueue(
        app=app,
        event_type=WebhookDelivery.EventType.SELLER_DEAUTHORIZATION,
        shop_id=authorization.shop_id,
        data={"message": "The seller revoked the authorization of this app."},
    )
    submit_review(user)
    application = apply(user, kind="tsp", category="live-management")
    notification = Notification.objects.filter(user=user).order_by("pk").first()
    colleague = make_member(account=user, email=f"colleague.{prefix.lower()}@example.com")
    invitation = Invitation(
        account=user,
        email=f"invited.{prefix.lower()}@example.com",
        role=Role.objects.builtin("viewer"),
        invited_by=user,
    )
    invitation.new_token()
    invitation.save()
    spare_role = Role.objects.create(account=user, name=f"{prefix} spare role", permissions={})
    assert delivery is not None
    assert notification is not None
    return Holdings(
        user=user,
        application=application,
        app=app,
        authorization=authorization,
        delivery=delivery,
        service=service,
        notification=notification,
        document=entity.business_certificate.name,
        colleague=colleague,
        invitation=invitation,
        spare_role=spare_role,
        secrets=[
            app.name,
            app.app_key,
            entity.legal_name,
            entity.partner_name,
            service.name,
            colleague.email,
            invitation.email,
            spare_role.name,
        ],
    )


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
        "referrals": things.service.pk,
        "notifications": things.notification.pk,
    }
    values = {
        "batch": things.application.batch,
        "name": things.document,
        "authorization_id": things.authorization.pk,
        "delivery_id": things.delivery.pk,
        "kind": SellerType.LOCAL.slug,
        "what": "email",
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
NOT_OBJECTS = frozenset({"what", "kind"})


def names_an_object(pattern: URLPattern) -> bool:
    return bool(set(pattern.pattern.converters) - NOT_OBJECTS)


# --- what an account owns, to see that refused requests change none of it -----------------

SKIPPED_MODELS = frozenset({"sessions.Session", "admin.LogEntry"})


def paths_to_user(model, depth: int = 3, seen=()) -> list[str]:
    """Lookups from `model` to a User, through foreign keys (at most `depth` of them)."""
    if depth == 0:
        return []
    found = []
    for f in model._meta.get_fields():
        if not (f.many_to_one or f.one_to_one) or not f.concrete or f.related_model is None:
            continue
        if f.related_model is User:
            found.append(f.name)
        elif f.related_model not in seen and f.related_model is not model:
            found += [
                f"{f.name}__{rest}"
                for rest in paths_to_user(f.related_model, depth - 1, (*seen, model))
            ]
    return found


def account_rows(account: User) -> dict:
    """Every row that belongs to `account` or to one of its team, as values."""
    team = list(User.objects.filter(models.Q(pk=account.pk) | models.Q(account=account)))
    rows = {"accounts.User": list(User.objects.filter(pk__in=[u.pk for u in team]).values())}
    for model in apps.get_models():
        label = model._meta.label
        if model is User or label in SKIPPED_MODELS:
            continue
        pks: set = set()
        for path in paths_to_user(model):
            pks |= set(model.objects.filter(**{f"{path}__in": team}).values_list("pk", flat=True))
        if pks:
            rows[label] = list(model.objects.filter(pk__in=pks).order_by("pk").values())
    for user_row in rows["accounts.User"]:
        # Each user's own: when they last logged in, which of the roles the menu shows.
        user_row.pop("last_login")
        user_row.pop("active_role_id")
    return rows


def changes(before: dict, after: dict) -> list[str]:
    """What differs between two account_rows(), in words."""
    found = []
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, []), after.get(label, [])
        if old != new:
            old_pks = {r["id"] if "id" in r else str(r) for r in old}
            new_pks = {r["id"] if "id" in r else str(r) for r in new}
            if old_pks != new_pks:
                found.append(f"{label} rows {len(old)}→{len(new)}")
            else:
                changed = [k for o, n in zip(old, new, strict=True) for k in o if o[k] != n.get(k)]
                found.append(f"{label} changed {sorted(set(changed))}")
    return found


# --- the matrix ----------------------------------------------------------------------------


FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """alice, bob and carol (blacklisted) with one of everything; for each team module,
    a member of alice's holding only it and one holding every other module (at manage);
    bob's administrator. Built once for this file, in a transaction rolled back after it."""

    alice: Holdings
    bob: Holdings
    carol: Holdings
    bob_member: User
    with_module: dict[str | None, User]
    without_module: dict[str | None, User]
    media: Path


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory):
    from partner_center.celery import app as celery_app

    media = tmp_path_factory.mktemp("matrix")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=FAST_HASHER,
            MEDIA_ROOT=str(media / "media"),
            PRIVATE_MEDIA_ROOT=media / "private",
        ),
        transaction.atomic(),
    ):
        if not Market.objects.exists():
            seed_catalog()
        reviewer = make_user(email="rita@example.com", is_staff=True)
        reviewer.groups.add(ensure_reviewers_group())
        owners = {}
        for prefix in ("Alice", "Bob", "Carol"):
            user = make_user(email=f"{prefix.lower()}@example.com", center=Center.US)
            owners[prefix] = give_everything(user, prefix=prefix, reviewer=reviewer)
        owners["Carol"].user.blacklist(by=reviewer, reason="Fake documents.")
        alice = owners["Alice"].user
        with_module, without_module = {}, {}
        # None: the pages of the user's own, for a member with no module and one with all.
        for module in [*Module, None]:
            key = module.value if module else "none"
            only = {module.value: int(Access.MANAGE)} if module else {}
            others = {m.value: int(Access.MANAGE) for m in Module if m != module}
            with_module[module] = make_member(
                account=alice, email=f"with-{key}@example.com", role=only
            )
            without_module[module] = make_member(
                account=alice, email=f"without-{key}@example.com", role=others
            )
        bob_member = make_member(account=owners["Bob"].user, email="bobs.admin@example.com")
        celery_app.conf.task_always_eager = eager
        yield World(
            owners["Alice"],
            owners["Bob"],
            owners["Carol"],
            bob_member,
            with_module,
            without_module,
            media,
        )
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world, db, _embedded_defaults, settings):
    """The world, in this test's transaction: its files where it wrote them."""
    settings.MEDIA_ROOT = str(built_world.media / "media")
    settings.PRIVATE_MEDIA_ROOT = built_world.media / "private"
    settings.PASSWORD_HASHERS = FAST_HASHER
    return built_world


@dataclass
class Answer:
    status: int
    location: str
    body: str


def request(client: Client, method: str, url: str, body: dict) -> Answer:
    response = client.post(url, body) if method == "post" else client.get(url)
    streamed = getattr(response, "streaming", False)
    body = b"" if streamed else response.content
    text = body.decode(errors="replace") if "image" not in response.get("Content-Type", "") else ""
    return Answer(response.status_code, response.get("Location", ""), text)


@contextmanager
def undone():
    """Whatever happens inside is rolled back after it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


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
                    self.fail(actor, method, answers[(actor, method)], f"no write, not {wrote}")
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
