import pytest

from apps_services import services
from tests.apps_services.conftest import make_app, make_developer


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Notifications are emailed by a Celery task; run it in-process to read mail.outbox."""
    from partner_center.celery import app as celery_app

    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def alice_app(alice, rita):
    """Alice's published custom ISV app with the API on."""
    make_developer(alice, state="approved", reviewer=rita)
    return services.publish_app(app_id=make_app(alice).pk, by=alice)
