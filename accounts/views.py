from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import Access, Module, access, ensure, may
from categories.models import PartnerType

from .decorators import allowed_when_blacklisted
from .forms import (
    CHANGE_FORMS,
    ResendVerificationForm,
    SecurityLogFilterForm,
    SendCodeForm,
    VerifyPhoneForm,
)
from .models import AccountEvent, Channel, Purpose, User, VerificationCode
from .security_log import actor_label, actors, detail_items, filter_events, request_ip
from .services import TooManyCodes, send_verification_code


@require_http_methods(["GET"])
def home(request):
    if not request.user.is_authenticated:
        return render(request, "accounts/landing.html")
    partner_types = PartnerType.objects.filter(is_active=True).order_by("position")
    # A team member follows the account's applications if their role reads them.
    progress_of = request.user.holder if may(request.user, Module.PROFILE) else None
    context = {
        "partner_types": partner_types,
        "email_verified": _email_verified(request),
        "progress_of": progress_of,
        # Starting a business is Profile & applications' to manage: a member without it is
        # shown what their role covers instead of buttons that would refuse them.
        "can_start": may(request.user, Module.PROFILE, Access.MANAGE),
        "member_access": _member_access(request.user),
    }
    return render(request, "accounts/dashboard.html", context)


def _member_access(user) -> list[tuple[str, str]] | None:
    """For a team member: (module, level) for each module their role covers."""
    if user.account_id is None:
        return None
    return [
        (str(module.label), str(Access(level).label))
        for module in Module
        if (level := access(user, module)) > Access.NONE
    ]


# The session remembers the login address once it is verified, so the dashboard's reminder
# to verify costs no query on every visit. Keyed by the address: a new (unverified) one is
# asked about again. Only the reminder reads this; what needs a verified address to go
# ahead (submitting, creating apps) asks the database each time.
VERIFIED_EMAIL_SESSION_KEY = "accounts_verified_email"


def _email_verified(request) -> bool:
    user = request.user
    if request.session.get(VERIFIED_EMAIL_SESSION_KEY) == user.email:
        return True
    verified = user.has_verified_email()
    if verified:
        request.session[VERIFIED_EMAIL_SESSION_KEY] = user.email
    return verified


@allowed_when_blacklisted
@require_POST
def set_language(request):
    """Django's language switch, which also keeps the choice on the account: notifications
    and emails written outside the partner's own requests are in that language."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response


# The profile's tabs about the partner account (SPEC §8.3: Profile & applications); the
# account info tab is the signed-in user's own login, open to everyone.
ACCOUNT_TABS = ("entity", "categories")


@login_required
@require_http_methods(["GET"])
def profile(request):
    tab = request.GET.get("tab", "account")
    if tab in ACCOUNT_TABS:
        ensure(request.user, Module.PROFILE, Access.VIEW)
    context = {
        "tab": tab,
        "account": request.user.holder,
        "account_tabs": may(request.user, Module.PROFILE),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_http_methods(["GET"])
def security(request):
    """SPEC §8.4: the account's two-factor sign-in, set up and managed on allauth's pages."""
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=request.user)}
    recovery_codes = authenticators.get(Authenticator.Type.RECOVERY_CODES)
    return render(
        request,
        "accounts/security.html",
        {
            "totp": authenticators.get(Authenticator.Type.TOTP),
            "recovery_codes": recovery_codes,
            "recovery_codes_left": (
                len(recovery_codes.wrap().get_unused_codes()) if recovery_codes else 0
            ),
        },
    )


def _pending_code(user, purpose):
    return (
        VerificationCode.objects.live()
        .filter(user=user, purpose=purpose)
        .order_by("-created_at")
        .first()
    )


def _send_code(request, purpose, channel) -> None:
    try:
        row = send_verification_code(user=request.user, purpose=purpose, channel=channel)
    except TooManyCodes as exc:
        messages.error(request, str(exc))
        return
    where = _("your email") if row.channel == Channel.EMAIL else _("your phone")
    messages.success(request, _("We sent a 6-digit code to %(where)s.") % {"where": where})


@login_required
@require_http_methods(["GET", "POST"])
def change_credential(request, what):
    """SPEC §1.5: change login email, phone or password behind a code sent to the current
    email or phone."""
    if what not in CHANGE_FORMS:
        raise Http404
    purpose, form_class = CHANGE_FORMS[what]
    action = request.POST.get("action")
    send_form = SendCodeForm(request.POST if action == "send" else None, user=request.user)
    form = form_class(
        request.POST if action == "confirm" else None, user=request.user, purpose=purpose
    )
    if action == "send" and send_form.is_valid():
        _send_code(request, purpose, send_form.cleaned_data["channel"])
        return redirect("accounts:change", what=what)
    if action == "confirm" and form.is_valid():
        form.apply(ip=request_ip(request))
        if what == "password":
            update_session_auth_hash(request, request.user)
        messages.success(request, _("Your %(what)s was changed.") % {"what": _(what)})
        return redirect("accounts:profile")
    context = {
        "what": what,
        "send_form": send_form,
        "form": form,
        "pending": _pending_code(request.user, purpose),
    }
    return render(request, "accounts/change_credential.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def verify_phone(request):
    if not request.user.phone:
        messages.error(request, _("Add a phone number first."))
        return redirect("accounts:change", what="phone")
    if request.user.phone_verified:
        messages.info(request, _("Your phone number is already verified."))
        return redirect("accounts:profile")
    action = request.POST.get("action")
    form = VerifyPhoneForm(
        request.POST if action == "confirm" else None,
        user=request.user,
        purpose=Purpose.VERIFY_PHONE,
    )
    if action == "send":
        _send_code(request, Purpose.VERIFY_PHONE, Channel.SMS)
        return redirect("accounts:verify-phone")
    if action == "confirm" and form.is_valid():
        form.apply()
        messages.success(request, _("Your phone number is verified."))
        return redirect("accounts:profile")
    context = {"form": form, "pending": _pending_code(request.user, Purpose.VERIFY_PHONE)}
    return render(request, "accounts/verify_phone.html", context)


@require_http_methods(["GET", "POST"])
def allauth_change_redirect(request, what):
    """allauth's own email and password pages skip the code check; send users to ours."""
    return redirect("accounts:change", what=what)


# The address the "Verify your email" page offers to resend to (set at sign-up).
VERIFICATION_EMAIL_SESSION_KEY = "accounts_verification_email"


@require_POST
def resend_verification(request):
    """ "Resend" on the "Verify your email" page: a new confirmation link for an address
    that still needs verifying, through allauth's own sending and its `confirm_email` rate
    limit. The answer reads the same whether or not the address has an account."""
    from allauth.account.internal.flows import email_verification
    from allauth.account.models import EmailAddress

    form = ResendVerificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the email address you signed up with."))
        return redirect("account_email_verification_sent")
    email = form.cleaned_data["email"]
    request.session[VERIFICATION_EMAIL_SESSION_KEY] = email
    address = EmailAddress.objects.filter(
        email__iexact=email, verified=False, user__isnull=False
    ).first()
    if address is not None:
        sent = email_verification.send_verification_email_to_address(request, address)
    else:
        sent = email_verification.consume_email_verification_rate_limit(request, email)
        if sent:
            email_verification.add_email_verification_sent_message(request, email, signup=False)
    if not sent:
        messages.error(
            request,
            _("We sent an email a moment ago. Please wait a few minutes before asking again."),
        )
    return redirect("account_email_verification_sent")


SECURITY_LOG_PAGE_SIZE = 50


@login_required
@require_http_methods(["GET"])
def security_log(request):
    """SPEC §8.5: the account's security log, newest first, filtered by the GET form. Only
    the main account reads it (staff read every account's in the admin)."""
    if request.user.is_team_member:
        raise PermissionDenied(_("Only the main account of your team can read its security log."))
    account = request.user
    people = list(actors(account))
    form = SecurityLogFilterForm(request.GET or None, actors=people)
    events = AccountEvent.objects.for_account(account)
    if form.is_bound and form.is_valid():
        events = filter_events(
            events,
            event_type=form.cleaned_data["event_type"],
            actor=form.cleaned_data["actor"],
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
    page = Paginator(events, SECURITY_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(event, actor_label(event), detail_items(event)) for event in page]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "my_account_links": {"team": True, "security_log": True},
    }
    return render(request, "accounts/security_log.html", context)
