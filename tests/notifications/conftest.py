"""The outbox's tests announce through onboarding's real decisions, with its documents."""

from tests.onboarding.conftest import _private_media  # noqa: F401 (autouse fixture)
