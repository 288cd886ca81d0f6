from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .models import EMAIL_MAX_LENGTH, Channel, User, VerificationCode

PHONE_HELP = _("Optional. International format with the country code, e.g. +14155550123.")


class SignupForm(forms.Form):
    """Extra sign-up fields (allauth's ACCOUNT_SIGNUP_FORM_CLASS). SPEC §1.1: phone optional."""

    phone = PhoneNumberField(label=_("Phone number"), required=False, help_text=PHONE_HELP)

    def clean_phone(self):
        phone = self.cleaned_data.get("phone")
        if phone and User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("This phone number is already used by another account."))
        return phone

    def signup(self, request, user) -> None:
        user.phone = self.cleaned_data.get("phone") or None
        user.save(update_fields=["phone"])


class SendCodeForm(forms.Form):
    """Where to send the identity code: the current email, or the phone once verified."""

    channel = forms.ChoiceField(label=_("Send the code to"), widget=forms.RadioSelect)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(Channel.EMAIL, _("Email %(email)s") % {"email": user.email})]
        if user.phone and user.phone_verified:
            choices.append((Channel.SMS, _("Phone %(phone)s") % {"phone": user.phone}))
        self.fields["channel"].choices = choices
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
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("This email is already used by another account."))
        return email

    def apply(self) -> None:
        self.user.change_email(self.cleaned_data["new_email"])


class ChangePhoneForm(CodeConfirmForm):
    new_phone = PhoneNumberField(
        label=_("New phone number"),
        required=False,
        help_text=_("International format, e.g. +14155550123. Leave empty to remove it."),
    )
    field_order = ["new_phone", "code"]

    def clean_new_phone(self):
        phone = self.cleaned_data.get("new_phone")
        if phone and User.objects.filter(phone=phone).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError(_("This phone number is already used by another account."))
        return phone

    def apply(self) -> None:
        self.user.change_phone(self.cleaned_data.get("new_phone"))


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

    def apply(self) -> None:
        self.user.set_password(self.cleaned_data["new_password1"])
        self.user.save(update_fields=["password"])


class VerifyPhoneForm(CodeConfirmForm):
    def apply(self) -> None:
        self.user.phone_verified = True
        self.user.save(update_fields=["phone_verified"])


CHANGE_FORMS = {
    "email": ("change_email", ChangeEmailForm),
    "phone": ("change_phone", ChangePhoneForm),
    "password": ("change_password", ChangePasswordForm),
}
