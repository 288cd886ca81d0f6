import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_center.settings")
# Web requests: a query running past 30 s is cancelled on PostgreSQL unless the environment
# says otherwise ("0": no limit). Workers and commands do not load this module (see settings).
if not os.environ.get("DB_STATEMENT_TIMEOUT_MS"):
    os.environ["DB_STATEMENT_TIMEOUT_MS"] = "30000"
application = get_asgi_application()
