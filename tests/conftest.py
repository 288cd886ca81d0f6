"""Shared fixtures: named users (alice and bob are partners, rita reviews), the catalog."""

import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache

from accounts.models import User
from categories.catalog import seed as seed_catalog
from categories.models import Center
from demo.seed.accounts import ensure_reviewers_group
from partner_center.cache import Outage

PASSWORD = "Test-pass-2026!"


@pytest.fixture(autouse=True)
def _embedded_defaults(settings, tmp_path):
    # Tests read emails from mail.outbox, serve static files without a manifest, and keep
    # uploads in a temporary folder.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # An outage seen by an earlier test (broker, Redis cache, clicks) is not this test's.
    Outage.reset_all()
    # allauth's rate limits count in the cache: every test starts with none used.
    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """With REDIS_URL set, emails (sign-up, codes, notifications) go to a worker that is not
    running; tests read mail.outbox, so tasks run in-process as in the embedded default.
    Tests marked `redis` talk to the real broker (and start their own worker)."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    from partner_center.celery import app as celery_app

    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _catalog(request):
    """Every test that touches the database finds the shipped catalog in it.

    Transactional tests flush every table when they end, so the check runs per test.
    """
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if not names & {"db", "transactional_db", "live_server"} and marker is None:
        return
    wants_transaction = names & {"transactional_db", "live_server"} or (
        marker is not None and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if wants_transaction else "db")
    from categories.models import Market

    if not Market.objects.exists():
        seed_catalog()
        from open_api.models import Scope

        Scope.objects.ensure_catalog()


def make_user(*, email: str, password: str = PASSWORD, verified: bool = True, **extra) -> User:
    user = User.objects.create_user(email=email, password=password, **extra)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


@pytest.fixture
def alice(db):
    return make_user(email="alice@example.com")


@pytest.fixture
def bob(db):
    return make_user(email="bob@example.com")


@pytest.fixture
def rita(db):
    """A reviewer: staff in the Reviewers group, nothing more."""
    user = make_user(email="rita@example.com", is_staff=True)
    user.groups.add(ensure_reviewers_group())
    return user


@pytest.fixture
def us_user(db):
    return make_user(email="usa@example.com", center=Center.US)


def make_member(*, account: User, email: str, role: str | dict = "administrator", **extra) -> User:
    """A user who works for `account` (its team), with a built-in role (by key) or a role of
    the account made from {module: level}."""
    from teams.models import Membership, Role

    user = make_user(email=email, **extra)
    if isinstance(role, str):
        team_role = Role.objects.builtin(role)
    else:
        team_role = Role.objects.create(
            account=account, name=f"Role {Role.objects.count() + 1}", permissions=role
        )
    user.account = account
    user.save(update_fields=["account"])
    Membership.objects.create(user=user, role=team_role, invited_by=account)
    return user


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def requires_redis():
    return pytest.mark.skipif(
        not settings.REDIS_URL, reason="REDIS_URL is not set: no real Redis to test against"
    )


def requires_postgres():
    return pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="DATABASE_URL is not PostgreSQL: row locks and concurrency need a real server",
    )


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop


# --- object storage ----------------------------------------------------------------------

S3_REGION = "us-east-1"


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint of an S3-compatible server (moto), started once per session."""
    pytest.importorskip("moto.server", reason="moto[server] (dev extra) is not installed")
    from tests.s3server import running_s3_server

    with running_s3_server() as endpoint:
        yield endpoint


@dataclass
class Bucket:
    endpoint: str
    name: str
    client: Any  # boto3's S3 client, to look at the bucket from outside the portal

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name).get("Contents", [])
        return sorted(item["Key"] for item in listed)


@pytest.fixture
def s3_storage(s3_server, settings, monkeypatch) -> Bucket:
    """Documents and media on a fresh private bucket of the test server, configured the way
    AWS_STORAGE_BUCKET_NAME configures them (credentials from boto's environment)."""
    import boto3

    from partner_center.environment import s3_storages

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
    name = f"pc-test-{uuid.uuid4().hex[:16]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name=S3_REGION)
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        **s3_storages(
            bucket=name,
            location="portal",
            endpoint_url=s3_server,
            region_name=S3_REGION,
            addressing_style="path",
            querystring_expire=settings.AWS_QUERYSTRING_EXPIRE,
        ),
    }
    return Bucket(endpoint=s3_server, name=name, client=client)
