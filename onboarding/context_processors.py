import functools
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Access, Module, may
from notifications.services import unread_count

from .roles_cache import request_roles

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# SPEC §1.6: the left menu of each partner role, after Home and My Account, as
# (label, URL name, query string, the team module it needs: SPEC §8.3).
SERVICE_MENU = [
    (_("Service category"), "accounts:profile", "?tab=categories", Module.PROFILE),
    (_("Notifications"), "notifications:notifications", "", Module.NOTIFICATIONS),
]
DEVELOPER_MENU = [
    (_("App & Service"), "apps_services:app-list", "", Module.APPS),
    (_("Compliance review"), "compliance:overview", "", Module.PROFILE),
    (_("Service category"), "accounts:profile", "?tab=categories", Module.PROFILE),
    (_("Notifications"), "notifications:notifications", "", Module.NOTIFICATIONS),
]
OWN_SHOP_MENU = [
    (_("Seller verification"), "apps_services:seller-verification", "", Module.PROFILE)
]
SHOP_REGISTRATION_MENU = [
    (_("Shop registration"), "referrals:service-list", "", Module.SHOP_REGISTRATION)
]
ROLE_EXTRAS = {
    # Both "Shop registration" categories (SPEC §2.2) lead to the same service.
    "tiktok-shop-partner": SHOP_REGISTRATION_MENU,
    "seller-service-partner": SHOP_REGISTRATION_MENU,
}
APPLICANT_MENU = (_("App & Service"), "apps_services:app-list", Module.APPS)


def partner_shell(request):
    """What the shell (top bar, left menu) needs on every page: two queries at most
    (the unread count is read from the cache when it is shared); a team member's shell
    reads its membership and its account too, and shows only the modules its role covers."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    if match is not None and "admin" in match.namespaces:
        return {}  # Django admin draws its own shell: no partner menu, no bell
    # The roles applied for, each flagged when approved at least once: one query, or none
    # when the shared cache holds them (onboarding/roles_cache.py).
    applied = request_roles(request)
    roles = [role for role in applied if role.held]
    active = next((r for r in roles if r.pk == user.active_role_id), roles[0] if roles else None)
    menu = _menu(active)
    applicant = any(role.is_developer for role in applied)
    if applicant and (active is None or not active.is_developer):
        # SPEC §3.6: a developer may build apps while certification is pending.
        menu.append((APPLICANT_MENU[0], reverse(APPLICANT_MENU[1]), APPLICANT_MENU[2]))
    member = user.account_id is not None
    if member and not (may(user, Module.PROFILE) or may(user, Module.APPS)):
        roles = []  # the role switcher changes what PROFILE and APPS show: nothing to switch
    notified = not member or may(user, Module.NOTIFICATIONS)
    return {
        "partner_roles": roles,
        "active_role": active,
        "role_menu": [(label, url) for label, url, module in menu if may(user, module)],
        # Each member has its own copies of the account's notifications: its own bell.
        "unread_notifications": unread_count(user) if notified else 0,
        "my_account_links": {
            "team": not user.is_staff and may(user, Module.TEAM, Access.VIEW),
            "security_log": not member,
        },
        "acting_for": user.holder if member else None,
    }


def _menu(role) -> list[tuple["StrOrPromise", str, str]]:
    if role is None:
        return []
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    key = (role.is_developer, role.builds_for_own_shop, role.code, get_script_prefix(), urlconf)
    return list(_role_menu(*key))


@functools.cache
def _role_menu(
    is_developer: bool, own_shop: bool, code: str, prefix: str, urlconf: str
) -> tuple[tuple["StrOrPromise", str, str], ...]:
    """A role's menu, reversed once per process (the labels stay lazy: each page reads them
    in its own language; `prefix` and `urlconf` are what `reverse` reads besides the name)."""
    items = DEVELOPER_MENU if is_developer else SERVICE_MENU
    extras = [*(OWN_SHOP_MENU if own_shop else []), *ROLE_EXTRAS.get(code, [])]
    return tuple(
        (label, reverse(name) + query, module) for label, name, query, module in [*extras, *items]
    )
