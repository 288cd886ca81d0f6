import pytest
from django.utils import translation

# The onboarding fixtures: uploads in a temporary folder, tasks (emails) run in-process.
from tests.onboarding.conftest import _private_media, _tasks_in_process  # noqa: F401


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in Chinese leaves Chinese active in this thread; the next test (in any
    folder) that calls code directly expects the default."""
    yield
    translation.deactivate()
