"""The developer console's pages exercise the Open API: its fixtures (Alice's published
app, seller Sam and his shop) are the console tests' too."""

import pytest

from tests.open_api.conftest import (  # noqa: F401  (fixtures)
    _fast_hasher,
    _private_media,
    alice_app,
    certified_alice,
    sam,
    sam_client,
)


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Notifications are emailed by a Celery task; run it in-process to read mail.outbox."""
    from partner_center.celery import app as celery_app

    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before
