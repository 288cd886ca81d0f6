import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_center.settings")
# Web requests: a query running past 30 s is cancelled on PostgreSQL unless the environment
# says otherwise ("0": no limit). Workers and commands do not load this module (see settings).
if not os.environ.get("DB_STATEMENT_TIMEOUT_MS"):
    os.environ["DB_STATEMENT_TIMEOUT_MS"] = "30000"
django_application = get_wsgi_application()

# After django.setup(): the public link's fast path answers an active /r/<token> before
# Django and hands everything else to it (referrals/fastpath.py).
from referrals.fastpath import referral_fast_path  # noqa: E402

application = referral_fast_path(django_application)
