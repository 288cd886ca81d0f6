"""The outbox sits beside the domains: it imports none of them, and each domain registers how
its kinds read."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from notifications import registry
from notifications.models import Notification

APP = Path(__file__).resolve().parents[2] / "notifications"
OUR_APPS = {name for name in settings.INSTALLED_APPS if "." not in name} - {"notifications"}


def imported_top_level_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def test_the_notifications_app_imports_no_other_app_of_ours():
    sources = [p for p in APP.rglob("*.py") if "migrations" not in p.parts]
    imported = set().union(*(imported_top_level_modules(p) for p in sources))

    assert sources
    assert not imported & OUR_APPS, imported & OUR_APPS


def test_every_kind_has_a_renderer():
    missing = {kind for kind in Notification.Kind.values if kind not in registry.registered_kinds()}

    assert not missing


def test_a_kind_has_one_renderer():
    with pytest.raises(ImproperlyConfigured, match="already rendered"):
        registry.register(registry.Renderer(), Notification.Kind.APPLICATION_APPROVED)


def test_a_kind_nobody_renders_shows_the_text_it_was_written_with():
    notification = Notification(kind="retired_kind", params={"x": 1}, title="Title", body="Body")

    assert (notification.display_title, notification.display_body) == ("Title", "Body")
    assert notification.link_label == "View details"
