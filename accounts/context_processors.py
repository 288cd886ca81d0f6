from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Center

# SPEC §1.6: the left menu of each partner role, after Home and My Account, as
# (label, URL name, query string).
SERVICE_MENU = [
    (_("Service category"), "accounts:profile", "?tab=categories"),
    (_("Notifications"), "notifications:notifications", ""),
]
DEVELOPER_MENU = [
    (_("App & Service"), "apps_services:app-list", ""),
    (_("Compliance review"), "onboarding:compliance", ""),
    (_("Service category"), "accounts:profile", "?tab=categories"),
    (_("Notifications"), "notifications:notifications", ""),
]
ROLE_EXTRAS = {
    "seller-inhouse-developer": [
        (_("Seller verification"), "apps_services:seller-verification", "")
    ],
    # Both "Shop registration" categories (SPEC §2.2) lead to the same service.
    "tiktok-shop-partner": [(_("Shop registration"), "referrals:service-list", "")],
    "seller-service-partner": [(_("Shop registration"), "referrals:service-list", "")],
}


def portal(request):
    """What the shell (top bar, left menu) needs on every page: two queries at most."""
    center = getattr(request, "center", Center.GLOBAL)
    context = {"center": center, "center_label": Center(center).label}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context.update(_partner_shell(user))
    return context


def _partner_shell(user) -> dict:
    from categories.models import PartnerRole
    from notifications.models import Notification

    # The roles applied for, each flagged when approved at least once: one query.
    applied = list(
        PartnerRole.objects.filter(categories__applications__user=user).annotate(
            approved=Count("pk", filter=Q(categories__applications__approved_at__isnull=False))
        )
    )
    roles = [role for role in applied if role.approved]
    active = next((r for r in roles if r.pk == user.active_role_id), roles[0] if roles else None)
    menu = _menu(active)
    applicant = any(role.track == "developer" for role in applied)
    if applicant and (active is None or active.track != "developer"):
        # SPEC §3.6: a developer may build apps while certification is pending.
        menu.append((APPLICANT_MENU[0], reverse(APPLICANT_MENU[1])))
    return {
        "partner_roles": roles,
        "active_role": active,
        "role_menu": menu,
        "unread_notifications": Notification.objects.filter(user=user, read_at=None).count(),
    }


APPLICANT_MENU = (_("App & Service"), "apps_services:app-list")


def _menu(role) -> list[tuple[str, str]]:
    if role is None:
        return []
    items = DEVELOPER_MENU if role.track == "developer" else SERVICE_MENU
    return [
        (label, reverse(name) + query)
        for label, name, query in [*ROLE_EXTRAS.get(role.code, []), *items]
    ]
