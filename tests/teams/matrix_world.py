"""The access matrix's world (tests/teams/test_access_matrix.py): main accounts that own one
of everything a partner URL can name, their team members, and a snapshot of what an account
owns, to see that a refused request changed none of it."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.db import models, transaction
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Access, Module
from apps_services import services as app_services
from apps_services.models import App, AppType
from categories.catalog import seed as seed_catalog
from categories.models import Center, Market, PartnerType, Region, ServiceCategory
from compliance import services as compliance
from compliance.models import Appeal
from demo.seed.accounts import ensure_reviewers_group
from notifications.models import Notification
from onboarding import services as onboarding
from onboarding.models import Application, CompanyEntity
from open_api import sandbox
from open_api.models import AllowedNetwork, Authorization, WebhookDelivery
from referrals.models import ShopRegistrationService
from sellers.models import SellerType
from teams.models import Invitation, Role
from tests.compliance.conftest import submit_review
from tests.conftest import make_member, make_user
from tests.onboarding.conftest import upload
from tests.referrals.conftest import make_service, make_shop_partner, publish

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
    appeal: Appeal
    test_shop_id: str = ""  # a sandbox test shop's account id (SPEC §9.1)
    secrets: list[str] = field(default_factory=list)
    allowed_network: AllowedNetwork | None = None

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
    allowed_network = AllowedNetwork.objects.create(app=app, network="198.51.100.0/24")
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
    test_shop = sandbox.create_test_shop(app_id=app.pk, by=user, name=f"{prefix} Test Shop")
    # An appeal decided in the past (with its document): blacklisted, appealed, lifted.
    user.blacklist(by=reviewer, reason="Three rejected security forms.")
    appeal = compliance.file_appeal(
        by=user,
        statement=f"{prefix} moved hosting and passed a new penetration test.",
        document=upload("appeal.png"),
    )
    compliance.decide_appeal(appeal_id=appeal.pk, by=reviewer, lift=True, reason="Fixed.")
    user.refresh_from_db()
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
        appeal=appeal,
        test_shop_id=test_shop.test_shop.account_id,
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
        allowed_network=allowed_network,
    )


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


# --- the world, built once -----------------------------------------------------------------

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


@contextmanager
def world_in_a_transaction(media: Path) -> Iterator[World]:
    """The world, built in a transaction that is rolled back when the block ends (the
    caller lets the database be used). Its files go to `media`."""
    from partner_center.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with (
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


# --- requests ------------------------------------------------------------------------------


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
