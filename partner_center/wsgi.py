import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_center.settings")
# Web requests: a query running past 30 s is cancelled on PostgreSQL unless the environment
# says otherwise ("0": no limit). Workers and commands do not load this module (see settings).
if not os.environ.get("DB_STATEMENT_TIMEOUT_MS"):
    os.environ["DB_STATEMENT_TIMEOUT_MS"] = "30000"
django.setup(set_prefix=False)

# After django.setup(): what get_wsgi_application() returns, with the Open API's paths on a
# lean middleware chain (partner_center/handlers.py), behind the public link's fast path,
# which answers an active /r/<token> before Django and hands everything else on
# (referrals/fastpath.py).
from open_api import calllog  # noqa: E402
from partner_center.handlers import PortalHandler  # noqa: E402
from referrals.fastpath import referral_fast_path  # noqa: E402

# Served processes write the API call log from a thread of their own (open_api/calllog.py).
calllog.serve()

application = referral_fast_path(PortalHandler())
