from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from categories.models import Center
from partner_center.links import portal_url, rebase
from partner_center.throttle import FailedLogins

from .models import AccountEvent, User, validate_login_email
from .security_log import request_ip
from .sms import send_sms
from .tasks import send_later

# The links allauth puts in its emails (confirm, reset, sign up), built from the request.
EMAIL_LINKS = ("activate_url", "password_reset_url", "signup_url")


def center_login_url(request, center: Center) -> str:
    """The login page of `center`, on this request's scheme and port (SPEC §1.3).

    The US center is the first of US_HOSTS; the Global one is GLOBAL_HOST, or else this
    host without its "us." label (us.localhost -> localhost).
    """
    hostname, _sep, port = request.get_host().partition(":")
    if center == Center.US:
        target = settings.US_HOSTS[0]
    elif settings.GLOBAL_HOST:
        target = settings.GLOBAL_HOST
    else:
        labels = hostname.split(".")
        target = ".".join(label for label in labels if label.lower() != "us") or "localhost"
    netloc = f"{target}:{port}" if port and ":" not in target else target
    return f"{request.scheme}://{netloc}{reverse('account_login')}"


class AccountAdapter(DefaultAccountAdapter):
    # Links in allauth's emails start with PORTAL_BASE_URL, like every other email's
    # (partner_center/links.py), rather than with whatever host the request came in on.
    def get_email_confirmation_url(self, request, emailconfirmation):
        path = reverse("account_confirm_email", args=[emailconfirmation.key])
        return portal_url(path, request=request)

    def get_reset_password_from_key_url(self, key):
        return rebase(super().get_reset_password_from_key_url(key))

    def save_user(self, request, user, form, commit=True):
        # SPEC §1.3: an account belongs to the center it signed up on.
        user = super().save_user(request, user, form, commit=False)
        user.center = Center.for_host(request.get_host())
        # The language the partner signed up in (switcher or browser) is theirs until they
        # switch: emails written outside their own requests use it.
        user.language = translation.get_language() or ""
        if commit:
            with transaction.atomic():
                user.save()
                AccountEvent.record(
                    AccountEvent.Type.SIGNED_UP,
                    user=user,
                    acting_user=user,
                    ip=request_ip(request),
                    details={"email": user.email, "center": user.center},
                )
        return user

    def set_password(self, user, password):
        # allauth sets passwords here only through its reset link (by email or phone code):
        # its own change and set pages redirect to the portal's, which go through a code.
        request = allauth_context.request
        user.change_password(
            password, ip=request_ip(request) if request is not None else None, via="reset"
        )

    def clean_email(self, email: str) -> str:
        # allauth would cut a longer address to the column's length and store what is left.
        validate_login_email(email)
        return super().clean_email(email)

    def pre_login(self, request, user, **kwargs):
        center = Center.for_host(request.get_host())
        if not user.is_staff and user.center != center:
            messages.error(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _(
                        "This account belongs to the %(center)s. Please sign in there; each "
                        "Partner Center keeps its own accounts."
                    )
                    % {"center": user.get_center_display()},
                    center_login_url(request, Center(user.center)),
                    _("Sign in to the %(center)s") % {"center": user.get_center_display()},
                ),
            )
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)

    def respond_email_verification_sent(self, request, user):
        # The "Verify your email" page offers to resend to this address.
        from .views import VERIFICATION_EMAIL_SESSION_KEY

        if user is not None and user.email:
            request.session[VERIFICATION_EMAIL_SESSION_KEY] = user.email
        return super().respond_email_verification_sent(request, user)

    # SPEC §1.2: wrong passwords are limited per account and per IP by the portal's one
    # throttle (allauth's own "login_failed" limit is off). Unlike allauth's, an IP past its
    # budget still lets a right password in, so a guesser behind a shared NAT does not lock
    # out every colleague behind it; an account past its budget stays locked.
    def pre_authenticate(self, request, **credentials):
        login = credentials.get("email") or credentials.get("phone") or ""
        self._failed_logins = FailedLogins(request, scope="login", login=str(login))
        if self._failed_logins.blocked().limited:
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials):
        if self._failed_logins.record_failure().limited:
            raise self.validation_error("too_many_login_attempts")

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        # The latest explicit choice wins: a language picked before logging in is kept on
        # the account; otherwise the account's language follows the partner to this browser.
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in dict(settings.LANGUAGES):
            if chosen != user.language:
                User.objects.filter(pk=user.pk).update(language=chosen)
        elif user.language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    def send_mail(self, template_prefix, email, context):
        """As allauth's, but every link starts with PORTAL_BASE_URL, like every other email's
        (partner_center/links.py), and the rendered message goes to a worker (see
        accounts.tasks): a slow or dead SMTP server never holds the sign-up, login or reset
        page."""
        request = context.get("request") or allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        ctx.update({key: rebase(ctx[key]) for key in EMAIL_LINKS if ctx.get(key)})
        ctx["portal_url"] = portal_url("/", request=request)
        if settings.PORTAL_BASE_URL:
            host = urlsplit(settings.PORTAL_BASE_URL).netloc
            ctx["current_site"] = SimpleNamespace(domain=host, name=host)
        send_later(self.render_mail(template_prefix, email, ctx))

    # SPEC §1.2: log in with email, or with the phone number once it is verified. allauth
    # calls these for phone logins; the portal's own code flow verifies numbers.
    def get_user_by_phone(self, phone):
        return User.objects.filter(phone=phone, phone_verified=True, is_active=True).first()

    def get_phone(self, user):
        return (str(user.phone), user.phone_verified) if user.phone else None

    def set_phone(self, user, phone, verified):
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def set_phone_verified(self, user, phone):
        if str(user.phone) == str(phone) and not user.phone_verified_elsewhere():
            user.verify_phone()

    def send_verification_code_sms(self, user, phone, code, **kwargs):
        send_sms(to=phone, body=_("Partner Center code %(code)s") % {"code": code})
