"""The partner's roles for the shell (role switcher, left menu), kept in the shared cache.

`partner_roles_of(user)` is a join over the partner's applications, the categories and the
roles, asked on every partner page. The shell reads it from the shared cache (Redis)
instead: one entry per partner account (a team member reads their account's, under the
account's key), dropped when one of its applications is saved or deleted
(once that commits), and stamped with the catalog's token, which changes whenever a role or
a category is saved or deleted, so an edited catalog is never shown from an older entry.
The entry's short lifetime bounds what a page that read the database just before such a
commit can put back. Without a shared cache (the embedded default, one cache per process)
PARTNER_ROLES_CACHE_SECONDS is 0 and every page asks the database.

What decides (switching role, submitting) always reads the database.
"""

import logging
import uuid
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .models import partner_roles_of

logger = logging.getLogger(__name__)

CATALOG_KEY = "onboarding:roles:catalog"


def _user_key(user_id: int) -> str:
    return f"onboarding:roles:{user_id}"


def shell_roles(user) -> list:
    """The roles of the account `user` acts for (partner_roles_of its main account), as a
    list, from the shared cache when it holds a current one."""
    user = user.holder
    seconds = settings.PARTNER_ROLES_CACHE_SECONDS
    if not seconds:
        return list(partner_roles_of(user))
    try:
        return _cached_roles(user, seconds)
    except Exception as error:  # a backend that raises (partner_center.cache answers misses)
        logger.warning(
            "Partner roles cache failed (%s); read from the database.", type(error).__name__
        )
        return list(partner_roles_of(user))


def _cached_roles(user, seconds: int) -> list:
    key = _user_key(user.pk)
    found = cache.get_many([CATALOG_KEY, key])
    catalog = found.get(CATALOG_KEY)
    if catalog is None:
        # First use, or the token was lost: a new one, so no older entry is trusted.
        cache.add(CATALOG_KEY, uuid.uuid4().hex, None)
        catalog = cache.get(CATALOG_KEY)
    entry = found.get(key)
    if entry is not None and catalog is not None and entry[0] == catalog:
        return entry[1]
    roles = list(partner_roles_of(user))
    if catalog is not None:
        cache.set(key, (catalog, roles), seconds)
    return roles


def request_roles(request) -> list:
    """shell_roles(request.user), asked once per request (the shell and the page share it)."""
    roles = getattr(request, "_shell_roles", None)
    if roles is None:
        roles = request._shell_roles = shell_roles(request.user)
    return roles


def _drop(key: str) -> None:
    try:
        cache.delete(key)
    except Exception as error:  # the commit's own drop (robust) is tried again
        logger.warning("Partner roles cache failed (%s) to drop %s.", type(error).__name__, key)


def forget_user(user_id: int) -> None:
    """Drop the partner's roles now (what this transaction reads next) and again once it
    commits (another request may have cached what it saw before the commit)."""
    if settings.PARTNER_ROLES_CACHE_SECONDS:
        key = _user_key(user_id)
        _drop(key)
        transaction.on_commit(partial(cache.delete, key), robust=True)


def forget_catalog() -> None:
    """A new catalog token now and again on commit: no entry made before either is trusted."""
    if settings.PARTNER_ROLES_CACHE_SECONDS:
        _drop(CATALOG_KEY)
        transaction.on_commit(partial(cache.set, CATALOG_KEY, uuid.uuid4().hex, None), robust=True)


def connect() -> None:
    """Called once by the app's ready()."""
    from django.db.models.signals import post_delete, post_save

    from categories.models import PartnerRole, ServiceCategory

    from .models import Application

    def application_changed(sender, instance, **kwargs) -> None:
        forget_user(instance.user_id)

    def catalog_changed(sender, instance, **kwargs) -> None:
        forget_catalog()

    for signal in (post_save, post_delete):
        signal.connect(application_changed, sender=Application, dispatch_uid="roles-cache-app")
        for model in (PartnerRole, ServiceCategory):
            signal.connect(
                catalog_changed, sender=model, dispatch_uid=f"roles-cache-{model.__name__}"
            )
