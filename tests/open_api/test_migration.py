"""Moving the Open API's models from apps_services to open_api rebuilds no table: rows
written under the old schema are read through the new models after migrating forward.

Runs on PostgreSQL (the production database) and on the embedded SQLite alike."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps_services.models import App
from open_api.models import (
    AccessToken,
    AuthCode,
    Authorization,
    RefreshToken,
    WebhookAttempt,
    WebhookDelivery,
)

from .conftest import make_app

BEFORE = [("apps_services", "0006_getstarted_own_shop_name"), ("open_api", None)]
MOVED = [
    "authorization",
    "authcode",
    "accesstoken",
    "refreshtoken",
    "webhookdelivery",
    "webhookattempt",
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The models as they are at `targets` ((app, None) means "none of app's migrations").
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def write_rows_with_the_old_models(old_apps, app_id: int) -> dict:
    """One row in each moved table, through apps_services' models as they were."""

    def model(name):
        return old_apps.get_model("apps_services", name)

    now = timezone.now()
    authorization = model("Authorization").objects.create(
        app_id=app_id,
        seller_account_id="42",
        seller_name="Sam's Store",
        seller_base_region="US",
        shop_id="7494000000000101",
        shop_name="Sam One",
        shop_region="US",
        shop_cipher="cipher-101",
        seller_type="LOCAL",
        open_id="open-sam",
        granted_scopes=["seller.shop.info"],
        expires_at=now + timedelta(days=365),
    )
    code = model("AuthCode").objects.create(
        app_id=app_id,
        authorization=authorization,
        code_hash="c" * 64,
        expires_at=now + timedelta(minutes=30),
    )
    access = model("AccessToken").objects.create(
        app_id=app_id,
        authorization=authorization,
        auth_code=code,
        token_hash="a" * 64,
        expires_at=now + timedelta(days=7),
    )
    refresh = model("RefreshToken").objects.create(
        app_id=app_id,
        authorization=authorization,
        auth_code=code,
        token_hash="r" * 64,
        expires_at=now + timedelta(days=365),
    )
    delivery = model("WebhookDelivery").objects.create(
        app_id=app_id,
        event_type=6,
        notification_id="1234567890123456789",
        shop_id="7494000000000101",
        body='{"type":6}',
        next_attempt_at=now,
    )
    attempt = model("WebhookAttempt").objects.create(
        delivery=delivery, number=1, url="https://hooks.example.com/tts", status_code=200
    )
    return {
        "authorization": authorization.pk,
        "code": code.pk,
        "access": access.pk,
        "refresh": refresh.pk,
        "delivery": delivery.pk,
        "attempt": attempt.pk,
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rows_of_the_moved_tables_are_read_through_open_api_after_migrating(certified_alice):
    # given: the schema before the move, with a row in every table that moves
    app = make_app(certified_alice)
    old_apps = migrate(BEFORE)
    ids = write_rows_with_the_old_models(old_apps, app.pk)

    # when
    migrate(latest())

    # then: the same rows, through the new models and the app's reverse relations
    authorization = Authorization.objects.get(pk=ids["authorization"])
    assert (authorization.app_id, authorization.shop_name) == (app.pk, "Sam One")
    assert authorization.granted_scopes == ["seller.shop.info"]
    assert AuthCode.objects.get(pk=ids["code"]).authorization == authorization
    assert AccessToken.objects.get(pk=ids["access"]).auth_code_id == ids["code"]
    assert RefreshToken.objects.get(pk=ids["refresh"]).authorization == authorization
    app = App.objects.get(pk=app.pk)
    assert list(app.authorizations.all()) == [authorization]
    assert [t.pk for t in app.access_tokens.usable()] == [ids["access"]]
    assert [t.pk for t in app.refresh_tokens.usable()] == [ids["refresh"]]
    delivery = app.webhook_deliveries.get()
    assert delivery.pk == ids["delivery"]
    assert [a.pk for a in delivery.attempt_log.all()] == [ids["attempt"]]
    assert WebhookAttempt.objects.get(pk=ids["attempt"]).delivery == delivery
    assert WebhookDelivery.objects.get(pk=ids["delivery"]).body == '{"type":6}'
    # Admin log entries and permissions follow the models to open_api.
    labels = set(ContentType.objects.filter(model__in=MOVED).values_list("app_label", "model"))
    assert labels == {("open_api", model) for model in MOVED}


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_move_is_state_only_and_keeps_the_table_names():
    # given
    executor = MigrationExecutor(connection)

    # when
    plan = [
        executor.loader.get_migration("open_api", "0001_initial"),
        executor.loader.get_migration("apps_services", "0007_open_api_models_moved"),
    ]

    # then
    for migration in plan:
        (operation,) = migration.operations
        assert operation.database_operations == []
    assert {model._meta.db_table for model in (Authorization, AuthCode, AccessToken)} == {
        "apps_services_authorization",
        "apps_services_authcode",
        "apps_services_accesstoken",
    }
    assert {model._meta.db_table for model in (RefreshToken, WebhookDelivery, WebhookAttempt)} == {
        "apps_services_refreshtoken",
        "apps_services_webhookdelivery",
        "apps_services_webhookattempt",
    }
