"""SPEC §8.3: what a team member may do, decided in this one module.

It sits in accounts, the floor every app stands on, so each page and service can ask it; the
roles and memberships it reads are the teams app's data.

A role is a set of module permissions, each at one level: none, view, or manage (view plus
every write). The main account holds every module at `manage`. Views declare their module
with `@module_required`; services call `ensure()` with the acting user before they write,
so the shell, the admin and the pages obey the same rule. Both read `access()` below and
nothing else.
"""

from functools import wraps
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from teams.models import Membership

    from .models import User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Module(models.TextChoices):
    PROFILE = "profile", _("Profile & applications")
    APPS = "apps", _("App & Service")
    SECRETS = "secrets", _("App secrets (reveal / rotate)")
    AUTHORIZATIONS = "authorizations", _("Authorizations")
    WEBHOOKS = "webhooks", _("Webhooks")
    SHOP_REGISTRATION = "shop_registration", _("Shop registration")
    NOTIFICATIONS = "notifications", _("Notifications")
    TEAM = "team", _("Team")


class Access(models.IntegerChoices):
    NONE = 0, _("No access")
    VIEW = 1, _("View")
    MANAGE = 2, _("Manage")


# Modules that have nothing to read without using them: App secrets is reveal and rotate.
WRITE_ONLY_MODULES = frozenset({Module.SECRETS})


class NotPermitted(PermissionDenied):
    """The member's role does not cover this; the message names the module."""

    def __init__(self, module: str, level: int = Access.MANAGE):
        self.module, self.level = Module(module), Access(level)
        if self.level >= Access.MANAGE:
            message = _("Your role in this team does not allow changes in “%(module)s”.")
        else:
            message = _("Your role in this team does not include “%(module)s”.")
        super().__init__(message % {"module": self.module.label})


def membership(user: "User") -> "Membership | None":
    """The member's membership (with its role), read once per user object."""
    if user.account_id is None:
        return None
    try:
        return user._team_membership  # type: ignore[attr-defined]
    except AttributeError:
        # The membership and its role are the teams app's rows (a floor above): reached
        # through the relation it declares on User, in one query.
        memberships = user._meta.get_field("team_membership").related_model  # type: ignore[attr-defined]
        found = memberships.objects.select_related("role").filter(user=user).first()
        user._team_membership = found  # type: ignore[attr-defined]
        return found


def access(user: "User", module: str) -> Access:
    """How far `user` may use `module` for the partner account they act for."""
    if not user.is_authenticated:
        return Access.NONE
    if user.account_id is None:
        return Access.MANAGE  # the main account holds every module
    found = membership(user)
    return Access.NONE if found is None else found.role.access(module)


def may(user: "User", module: str, level: int = Access.VIEW) -> bool:
    return access(user, module) >= level


def ensure(user: "User", module: str, level: int = Access.MANAGE) -> "User":
    """Refuse (NotPermitted, a 403) unless `user` may use `module` at `level`; return the
    partner account to act on (the main account) so callers scope by it."""
    if not may(user, module, level):
        raise NotPermitted(module, level)
    return user.holder


def module_required(module: str, *, write: int = Access.MANAGE):
    """A view of `module`: reading (GET/HEAD) needs view, anything else `write` (manage).

    The module is kept on the view (`view.team_module`) so the access-matrix test and the
    menu can list what each page needs. Use under @login_required.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            level = Access.VIEW if request.method in SAFE_METHODS else write
            if module in WRITE_ONLY_MODULES:
                level = Access.MANAGE
            ensure(request.user, module, level)
            return view(request, *args, **kwargs)

        wrapped.team_module = module  # type: ignore[attr-defined]
        return wrapped

    return decorator


def module_required_urls(patterns: list, module: str, *, write: int = Access.MANAGE) -> list:
    """The same URL patterns, each view under `module_required(module)`: for an included app
    that imports nothing of ours (the notifications inbox). The login comes first, so the
    anonymous are sent to log in rather than refused."""
    from django.contrib.auth.decorators import login_required
    from django.urls import URLPattern

    return [
        URLPattern(
            p.pattern,
            login_required(module_required(module, write=write)(p.callback)),
            p.default_args,
            p.name,
        )
        for p in patterns
    ]
