from typing import cast

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from partner_center.throttle import FailedLogins

from .models import EMAIL_MAX_LENGTH, Channel, User, VerificationCode
from .security_log import GROUPS, STAFF, SYSTEM

PHONE_HELP = _("Optional. International format with the country code, e.g. +14155550123.")


class SignupForm(AllauthSignupForm):
    """allauth's sign-up (ACCOUNT_FORMS) with the optional phone of SPEC §1.1.

    A taken email gets the answer a new one gets (allauth's ACCOUNT_PREVENT_ENUMERATION:
    "check your inbox", and the owner is emailed that the account exists) and takes as long:
    the new-account path hashes the password, so the taken path hashes it too. The phone is
    not checked against other accounts: numbers are unique only once verified, and saying
    "already used" would list who is registered.
    """

    phone = PhoneNumberField(label=_("Phone number"), required=False, help_text=PHONE_HELP)
    field_order = ["email", "phone", "password1", "password2"]

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data["password1"])  # as long as creating the account
        return super().try_save(request)

    def signup(self, request, user) -> None:
        user.phone = self.cleaned_data.get("phone") or None
        user.save(update_fields=["phone"])


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))


class ReviewerLoginForm(AdminAuthenticationForm):
    """/admin/login/, limited like the partner login: the same budgets, counted together,
    so an account does not get twice the guesses through the second door."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many failed login attempts. Try again later."),
    }

    def clean(self):
        failed = FailedLogins(self.request, scope="login", login=self.data.get("username", ""))
        if failed.blocked().limited:
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            # A right password on a non-staff account is refused too, but it is no guess.
            if self.user_cache is None and failed.record_failure().limited:
                raise forms.ValidationError(
                    self.error_messages["throttled"], code="throttled"
                ) from None
            raise


class SendCodeForm(forms.Form):
    """Where to send the identity code: the current email, or the phone once verified."""

    channel = forms.ChoiceField(label=_("Send the code to"), widget=forms.RadioSelect)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(Channel.EMAIL, _("Email %(email)s") % {"email": user.email})]
        if user.phone and user.phone_verified:
            choices.append((Channel.SMS, _("Phone %(phone)s") % {"phone": user.phone}))
        cast(forms.ChoiceField, self.fields["channel"]).choices = choices
        self.fields["channel"].initial = Channel.EMAIL


class CodeConfirmForm(forms.Form):
    """Checks the 6-digit code last, so a typo elsewhere does not burn the code."""

    code = forms.RegexField(
        label=_("Verification code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the 6-digit code we sent you.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, user: User, purpose: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.purpose = purpose

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        pending = (
            VerificationCode.objects.live()
            .filter(user=self.user, purpose=self.purpose)
            .order_by("-created_at")
            .first()
        )
        if pending is None:
            raise forms.ValidationError(
                _("No valid code is waiting: it expired or was used. Request a new code."),
                code="no_code",
            )
        if pending.attempts_left == 0:
            raise forms.ValidationError(
                _("Too many wrong attempts for this code. Request a new code."), code="locked"
            )
        if not pending.check_and_use(cleaned["code"]):
            left = pending.attempts_left
            if left == 0:
                raise forms.ValidationError(
                    _("The code is incorrect and no attempts are left. Request a new code."),
                    code="locked",
                )
            raise forms.ValidationError(
                _("The code is incorrect. %(left)s attempt(s) left.") % {"left": left},
                code="wrong_code",
            )
        return cleaned


class ChangeEmailForm(CodeConfirmForm):
    new_email = forms.EmailField(label=_("New login email"), max_length=EMAIL_MAX_LENGTH)
    field_order = ["new_email", "code"]

    def clean_new_email(self):
        email = self.cleaned_data["new_email"].strip().lower()
        if email == self.user.email:
            raise forms.ValidationError(_("This is already your login email."))
        return email

    def clean(self):
        # Whether another account uses the address is said only once the code is right and
        # spent: each probe costs a fresh code, so the form cannot list who is registered.
        cleaned = super().clean()
        if not self.errors and User.objects.filter(email__iexact=cleaned["new_email"]).exists():
            raise forms.ValidationError(
                _(
                    "This email is already used by another account. Request a new code to "
                    "change to another address."
                ),
                code="email_taken",
            )
        return cleaned

    def apply(self, *, ip: str | None = None) -> None:
        self.user.change_email(self.cleaned_data["new_email"], ip=ip)


class ChangePhoneForm(CodeConfirmForm):
    new_phone = PhoneNumberField(
        label=_("New phone number"),
        required=False,
        help_text=_("International format, e.g. +14155550123. Leave empty to remove it."),
    )
    field_order = ["new_phone", "code"]

    # No "already used" check: numbers are unique only once verified, and the answer would
    # tell who is registered. Verifying the number (a code sent to it) settles who owns it.

    def apply(self, *, ip: str | None = None) -> None:
        self.user.change_phone(self.cleaned_data.get("new_phone"), ip=ip)


class ChangePasswordForm(CodeConfirmForm):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    field_order = ["new_password1", "new_password2", "code"]

    def clean_new_password2(self):
        p1 = self.cleaned_data.get("new_password1")
        p2 = self.cleaned_data.get("new_password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("The two passwords do not match."))
        if p2:
            password_validation.validate_password(p2, self.user)
        return p2

    def apply(self, *, ip: str | None = None) -> None:
        self.user.change_password(self.cleaned_data["new_password1"], ip=ip, via="code")


class VerifyPhoneForm(CodeConfirmForm):
    def clean(self):
        # Said only after the code sent to the number came back: whoever reads this holds
        # the phone, so it tells them nothing about other people.
        cleaned = super().clean()
        if not self.errors and self.user.phone_verified_elsewhere():
            raise forms.ValidationError(
                _("This phone number is verified on another account."), code="phone_taken"
            )
        return cleaned

    def apply(self) -> None:
        self.user.verify_phone()


CHANGE_FORMS = {
    "email": ("change_email", ChangeEmailForm),
    "phone": ("change_phone", ChangePhoneForm),
    "password": ("change_password", ChangePasswordForm),
}


class SecurityLogFilterForm(forms.Form):
    """The security log's filters (a GET form: every field optional)."""

    event_type = forms.ChoiceField(label=_("Event"), required=False)
    actor = forms.ChoiceField(label=_("Done by"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        event_types = cast(forms.ChoiceField, self.fields["event_type"])
        event_types.choices = [
            ("", _("All events")),
            *((group, [(t.value, t.label) for t in types]) for group, types in GROUPS),
        ]
        cast(forms.ChoiceField, self.fields["actor"]).choices = [
            ("", _("Anyone")),
            *((str(user.pk), user.email) for user in actors),
            (STAFF, _("Partner Center staff")),
            (SYSTEM, _("System")),
        ]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."), code="dates")
        return cleaned
