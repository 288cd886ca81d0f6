"""Which queue each task goes to, and that the compose stack reads every one of them.

Webhook posts wait on developers' servers: they have their own queue and worker, so an
endpoint that hangs never holds up an email (bench/notify_bench.py measures it).
"""

import shlex
from pathlib import Path

import yaml
from django.conf import settings

from partner_center.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def queue_of(task_name: str) -> str:
    route = celery_app.amqp.router.route({}, task_name)
    return route["queue"].name


def test_webhook_posts_have_a_queue_of_their_own_and_emails_do_not_share_it():
    assert queue_of("apps_services.deliver_webhook") == "webhooks"
    for task_name in (
        "notifications.deliver_notification",
        "onboarding.deliver_notification",
        "accounts.send_email",
        "notifications.sweep_notifications",
        "apps_services.sweep_webhooks",
    ):
        assert queue_of(task_name) == "celery", task_name


def test_every_queue_is_read_by_a_compose_worker_and_emails_by_one_without_webhooks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    read: dict[str, set[str]] = {}
    for name, service in compose["services"].items():
        command = shlex.split(str(service.get("command", "")))
        if command[:1] == ["celery"] and "worker" in command:
            queues = command[command.index("-Q") + 1] if "-Q" in command else None
            declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
            read[name] = set(queues.split(",")) if queues else declared

    assert set().union(*read.values()) == {q.name for q in settings.CELERY_TASK_QUEUES}
    assert any("celery" in queues and "webhooks" not in queues for queues in read.values())
