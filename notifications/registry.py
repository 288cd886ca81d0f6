"""Which domain writes which notification.

The outbox stores a notification as a kind and its params; it does not know what a
"security review" or an "application" is. Each domain registers a `Renderer` for the kinds it
announces, from its AppConfig.ready():

    from notifications import registry

    class DecisionRenderer(registry.Renderer):
        def text(self, notification):
            return title, body  # in the active language, from notification.params

        def link_label(self, notification):
            return str(_("Open the application"))

    registry.register(
        DecisionRenderer(), Notification.Kind.APPLICATION_APPROVED, ..., module=Module.PROFILE
    )

The inbox page and the email both read the text through the renderer, so they always say the
same thing; a renderer that needs a different email overrides `email()`.

`module` is the team module (accounts.permissions.Module, SPEC §8.3) the kinds are about: a
partner account's notification goes to its main account and to each member whose role
reads both that module and Notifications (`services.announce`). A kind registered without
one reaches the main account only.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from partner_center.links import portal_url


class Renderer:
    """How the notifications of some kinds read. The defaults show the text the row was
    written with, so a kind nobody registers (any more) still reads as it did."""

    def text(self, notification) -> tuple[str, str]:
        """(title, body) in the active language."""
        return notification.title, notification.body

    def link_label(self, notification) -> str:
        """What following the notification's link opens, in the active language."""
        return str(_("View details"))

    def email(self, notification) -> EmailMessage:
        """The email, in the recipient's saved language (not the request's or the worker's).

        The Message-ID is derived from the row, so if a worker dies after the SMTP server
        accepted the message but before the row was marked sent, the copy the sweep sends
        carries the same id and mail systems treat it as one message."""
        with translation.override(notification.user.preferred_language):
            subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.display_title}"
            link = portal_url(notification.url) if notification.url else ""
            body = render_to_string(
                "notifications/email/notification_message.txt",
                {"notification": notification, "link": link},
            )
        return EmailMessage(
            subject=subject,
            body=body,
            to=[notification.user.email],
            headers={"Message-ID": f"<notification-{notification.pk}@partner-center>"},
        )


DEFAULT = Renderer()
_renderers: dict[str, Renderer] = {}
_modules: dict[str, str] = {}

# The team module of receiving notifications (accounts.permissions.Module.NOTIFICATIONS; this
# app imports no other of ours, so it names the value).
NOTIFICATIONS_MODULE = "notifications"


def register(renderer: Renderer, *kinds: str, module: str | None = None) -> None:
    """Make `renderer` write the notifications of `kinds`, which are about team `module`.
    A kind has one renderer: a second one is a mistake (two domains claiming a kind), not an
    override."""
    for kind in kinds:
        kind = str(kind)
        current = _renderers.get(kind)
        if current is not None and current is not renderer:
            raise ImproperlyConfigured(
                f"Notification kind {kind!r} is already rendered by {current!r}."
            )
        _renderers[kind] = renderer
        if module is not None:
            _modules[kind] = str(module)


def module_for(kind: str) -> str | None:
    """The team module a kind is about; None: it is for the main account only."""
    return _modules.get(str(kind))


def renderer_for(kind: str) -> Renderer:
    return _renderers.get(str(kind), DEFAULT)


def registered_kinds() -> set[str]:
    return set(_renderers)
