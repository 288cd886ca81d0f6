from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import Center


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # SPEC §1.3: an account belongs to the center it signed up on.
        user = super().save_user(request, user, form, commit=False)
        user.center = Center.for_host(request.get_host())
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
