"""The demo data `seed_demo` creates: one step per app, run in this order (later steps log in
as the reviewer the accounts step creates, and build on onboarding's helpers)."""

from demo.seed.accounts import seed_accounts
from demo.seed.apps_services import seed_apps
from demo.seed.onboarding import seed_onboarding
from demo.seed.referrals import seed_referrals
from demo.seed.sandbox import seed_sandbox
from demo.seed.sellers import seed_sellers
from demo.seed.teams import seed_team

DEMO_STEPS = [
    seed_accounts,
    seed_sellers,
    seed_onboarding,
    seed_apps,
    seed_sandbox,
    seed_team,
    seed_referrals,
]
