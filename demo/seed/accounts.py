"""seed_demo's accounts part: the demo partner, the reviewer and the Reviewers group."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission

from accounts.models import User
from categories.models import Center

REVIEWERS_GROUP = "Reviewers"
# The permissions reviewing needs, as "app_label.codename"; later capabilities add theirs.
REVIEWER_PERMISSIONS = [
    "accounts.view_user",
    "categories.view_servicecategory",
    "categories.view_partnertype",
    "categories.view_market",
    "categories.view_region",
    # SPEC §3.12: the review queue, the documents, the history; deciding is its own right.
    "onboarding.view_application",
    "onboarding.view_applicationtransition",
    "onboarding.view_companyentity",
    "notifications.view_notification",
    "onboarding.review_application",
    # SPEC §4.2: app review of public apps.
    "apps_services.view_app",
    "apps_services.view_appevent",
    "apps_services.review_app",
    # SPEC §3.14: the security review queue and its history; deciding is its own right.
    "compliance.view_compliancereview",
    "compliance.view_compliancetransition",
    "compliance.review_compliance",
    # SPEC §8.6: appeals against a blacklisting; deciding them is its own right.
    "compliance.view_appeal",
    "compliance.decide_appeal",
    # Restricted scope requests of apps; deciding them is its own right.
    "open_api.view_appscope",
    "open_api.decide_scope",
]

PARTNER = {"email": "partner@example.com", "password": "Demo-partner-2026"}
REVIEWER = {"email": "reviewer@example.com", "password": "Demo-reviewer-2026"}


def ensure_reviewers_group() -> Group:
    group, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    perms = []
    for dotted in REVIEWER_PERMISSIONS:
        app_label, codename = dotted.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.set(perms)
    return group


def ensure_user(*, email: str, password: str, center: str = Center.GLOBAL, **extra) -> User:
    """Create the account once, with a verified email; later runs reset the password only."""
    user, _created = User.objects.get_or_create(email=email, defaults={"center": center, **extra})
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"primary": True, "verified": True}
    )
    return user


def seed_accounts(result: dict) -> None:
    ensure_user(**PARTNER)
    reviewer = ensure_user(**REVIEWER, is_staff=True)
    reviewer.is_staff = True
    reviewer.save(update_fields=["is_staff"])
    reviewer.groups.add(ensure_reviewers_group())
    result["partner"] = dict(PARTNER)
    result["reviewer"] = dict(REVIEWER)
