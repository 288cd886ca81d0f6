from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Center, User
from .sms import send_sms
from .tasks import send_later


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # SPEC §1.3: an account belongs to the center it signed up on.
        user = super().save_user(request, user, form, commit=False)
        user.center = Center.for_host(request.get_host())
        # The language the partner signed up in (switcher or browser) is theirs until they
        # switch: emails written outside their own requests use it.
        user.language = translation.get_language() or ""
        if commit:
            user.save()
        return user

    def pre_login(self, request, user, **kwargs):
        center = Center.for_host(request.get_host())
        if not user.is_staff and user.center != center:
            messages.error(
                request,
                _(
                    "This account belongs to the %(center)s. Please sign in there; each "
                    "Partner Center keeps its own accounts."
                )
                % {"center": user.get_center_display()},
            )
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)

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
        """As allauth's, but the rendered message goes to a worker (see accounts.tasks):
        a slow or dead SMTP server never holds the sign-up, login or reset page."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
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
        User.objects.filter(pk=user.pk, phone=phone).update(phone_verified=True)

    def send_verification_code_sms(self, user, phone, code, **kwargs):
        send_sms(to=phone, body=_("Partner Center code %(code)s") % {"code": code})
