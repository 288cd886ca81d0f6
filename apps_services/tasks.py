"""Work apps queue for the Open API, which builds on apps: its tasks are reached by their
registered names, never imported from here."""

from celery import current_app

from partner_center.celery import publish

# open_api.tasks.deliver_webhook; the name is kept from when webhooks lived in this app.
DELIVER_WEBHOOK = "apps_services.deliver_webhook"


def queue_webhook(delivery_id: int) -> None:
    """Called on commit: queue a webhook delivery's first attempt. A broker that is down
    costs nothing here; the webhook sweep sends the row."""
    publish(current_app.tasks[DELIVER_WEBHOOK], delivery_id)
