import ipaddress

from allauth.account import app_settings
from allauth.account.models import EmailAddress
from allauth.account.utils import complete_signup
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import SignupForm
from accounts.models import User
from accounts.permissions import Access, Module, may, module_required
from partner_center.throttle import client_ip

from . import services
from .forms import ChangeRoleForm, InviteForm, RoleForm
from .models import Invitation, Membership, Role, TeamSettings, account_name


def _ip(request) -> str | None:
    """The client's address for the security log, when it is one."""
    ip = client_ip(request)
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def _refused(request, error: Exception):
    messages.error(request, str(error))
    return redirect("teams:members")


def _members_page(request, invite_form: InviteForm | None = None, status: int = 200):
    account = request.user.holder
    team = Membership.objects.filter(user__account=account).select_related("user", "role")
    context = {
        "account": account,
        "account_name": account_name(account),
        "memberships": team.order_by("joined_at", "pk"),
        "invitations": Invitation.objects.open().filter(account=account).select_related("role"),
        "can_manage": may(request.user, Module.TEAM, Access.MANAGE),
        "invite_form": invite_form or InviteForm(account=account),
        "roles": Role.objects.for_account(account),
        "require_mfa": TeamSettings.objects.filter(account=account, require_mfa=True).exists(),
    }
    return render(request, "teams/members.html", context, status=status)


@login_required
@require_http_methods(["GET"])
@module_required(Module.TEAM)
def members(request):
    """SPEC §8.2: the main account, the members with their roles, the open invitations."""
    return _members_page(request)


@login_required
@require_http_methods(["POST"])
@module_required(Module.TEAM)
def invite(request):
    form = InviteForm(request.POST, account=request.user.holder)
    if form.is_valid():
        try:
            invitation = services.invite_member(
                by=request.user, ip=_ip(request), **form.cleaned_data
            )
        except services.TeamActionRefused as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("teams:members")
    return _members_page(request, form, status=400)


def _invitation(request, pk: int) -> Invitation:
    return get_object_or_404(Invitation.objects.open(), pk=pk, account=request.user.holder)


@login_required
@require_http_methods(["POST"])
@module_required(Module.TEAM)
def resend(request, pk: int):
    invitation = _invitation(request, pk)
    try:
        services.resend_invitation(by=request.user, invitation=invitation, ip=_ip(request))
    except services.TeamActionRefused as error:
        return _refused(request, error)
    messages.success(
        request, _("Sent again to %(email)s with a new link.") % {"email": invitation.email}
    )
    return redirect("teams:members")


@login_required
@require_http_methods(["POST"])
@module_required(Module.TEAM)
def revoke(request, pk: int):
    invitation = _invitation(request, pk)
    try:
        services.revoke_invitation(by=request.user, invitation=invitation, ip=_ip(request))
    except services.TeamActionRefused as error:
        return _refused(request, error)
    messages.success(request, _("Invitation to %(email)s revoked.") % {"email": invitation.email})
    return redirect("teams:members")


def _member(request, pk: int) -> User:
    return get_object_or_404(User, pk=pk, account=request.user.holder)


@login_required
@require_http_methods(["POST"])
@module_required(Module.TEAM)
def change_role(request, pk: int):
    member = _member(request, pk)
    form = ChangeRoleForm(request.POST, account=request.user.holder)
    if not form.is_valid():
        return _refused(request, Exception(_("Choose one of your team's roles.")))
    try:
        services.change_member_role(
            by=request.user, member=member, role=form.cleaned_data["role"], ip=_ip(request)
        )
    except services.TeamActionRefused as error:
        return _refused(request, error)
    messages.success(request, _("%(email)s's role changed.") % {"email": member.email})
    return redirect("teams:members")


@login_required
@require_http_methods(["GET", "POST"])
@module_required(Module.TEAM)
def remove(request, pk: int):
    """Behind a page that says what happens: the member loses access at their next click."""
    member = _member(request, pk)
    if request.method == "GET":
        return render(request, "teams/member_remove.html", {"member": member})
    try:
        services.remove_member(by=request.user, member=member, ip=_ip(request))
    except services.TeamActionRefused as error:
        return _refused(request, error)
    messages.success(request, _("%(email)s was removed from the team.") % {"email": member.email})
    return redirect("teams:members")


@login_required
@require_http_methods(["GET", "POST"])
def leave(request):
    if request.user.account_id is None:
        messages.info(request, _("You are not a member of a team."))
        return redirect("accounts:dashboard")
    if request.method == "GET":
        context = {"account_name": account_name(request.user.holder)}
        return render(request, "teams/leave.html", context)
    try:
        user = services.leave_team(user=request.user, ip=_ip(request))
    except services.TeamActionRefused as error:
        messages.error(request, str(error))
        return redirect("accounts:dashboard")
    update_session_auth_hash(request, user)  # this browser stays signed in, as itself
    messages.success(request, _("You left the team."))
    return redirect("accounts:dashboard")


@login_required
@require_http_methods(["POST"])
def team_mfa(request):
    required = request.POST.get("require_mfa") == "on"
    services.set_team_mfa_required(by=request.user, required=required, ip=_ip(request))
    if required:
        messages.success(request, _("Members must now use two-factor sign-in."))
    else:
        messages.success(request, _("Two-factor sign-in is no longer required of members."))
    return redirect("teams:members")


@login_required
@require_http_methods(["GET"])
@module_required(Module.TEAM)
def roles(request):
    """SPEC §8.3: the built-ins (read only, with what they grant) and the account's roles."""
    context = {
        "roles": Role.objects.for_account(request.user.holder),
        "modules": list(Module),
        "can_manage": may(request.user, Module.TEAM, Access.MANAGE),
    }
    return render(request, "teams/roles.html", context)


def _role_form_page(request, role: Role | None):
    form = RoleForm(request.POST or None, role=role)
    if request.method == "POST" and form.is_valid():
        fields = {"name": form.cleaned_data["name"], "permissions": form.permissions}
        try:
            if role is None:
                role = services.create_role(by=request.user, ip=_ip(request), **fields)
            else:
                role = services.edit_role(by=request.user, role=role, ip=_ip(request), **fields)
        except services.TeamActionRefused as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Role “%(name)s” saved.") % {"name": role.name})
            return redirect("teams:roles")
    return render(request, "teams/role_form.html", {"form": form, "role": role})


@login_required
@require_http_methods(["GET", "POST"])
@module_required(Module.TEAM)
def role_create(request):
    return _role_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
@module_required(Module.TEAM)
def role_edit(request, pk: int):
    role = get_object_or_404(Role, pk=pk, account=request.user.holder)
    return _role_form_page(request, role)


@login_required
@require_http_methods(["POST"])
@module_required(Module.TEAM)
def role_delete(request, pk: int):
    role = get_object_or_404(Role, pk=pk, account=request.user.holder)
    try:
        services.delete_role(by=request.user, role=role, ip=_ip(request))
    except services.TeamActionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Role “%(name)s” deleted.") % {"name": role.name})
    return redirect("teams:roles")


def _invitation_page(request, token: str, template: str, context: dict):
    invitation = services.find_invitation(token)
    problem = None
    try:
        services.check_invitation(invitation)
    except services.TeamActionRefused as error:
        problem = str(error)
    context = {
        "invitation": invitation,
        "token": token,
        "problem": problem,
        "account_name": account_name(invitation.account) if invitation else "",
        **context,
    }
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    """The invitation link (SPEC §8.2). Anonymous: what the invitation is, and sign up or
    log in to accept it. Signed in: Accept or Decline."""
    if request.method == "POST" and request.user.is_authenticated:
        if request.POST.get("decline"):
            messages.info(request, _("You declined the invitation. Nothing changed."))
            return redirect("accounts:dashboard")
        try:
            services.accept_invitation(token=token, user=request.user, ip=_ip(request))
        except services.TeamActionRefused as error:
            messages.error(request, str(error))
            return redirect("teams:accept", token=token)
        messages.success(request, _("Welcome to the team."))
        return redirect("accounts:dashboard")
    login_url = reverse("account_login") + "?next=" + reverse("teams:accept", args=[token])
    return _invitation_page(request, token, "teams/accept.html", {"login_url": login_url})


@require_http_methods(["GET", "POST"])
def join_signup(request, token: str):
    """Sign up with the invited email and join at once. The email is verified by the link
    having reached it, so no confirmation email follows."""
    if request.user.is_authenticated:
        return redirect("teams:accept", token=token)
    try:
        invitation = services.check_invitation(services.find_invitation(token))
    except services.TeamActionRefused:
        return redirect("teams:accept", token=token)
    if User.objects.filter(email__iexact=invitation.email).exists():
        messages.info(request, _("An account with this email exists: log in to accept."))
        return redirect(reverse("account_login") + "?next=" + reverse("teams:accept", args=[token]))
    form = SignupForm(request.POST or None, initial={"email": invitation.email})
    form.fields["email"].disabled = True  # the invited email, whatever the browser sends
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save(request)
                EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(
                    verified=True
                )
                services.accept_invitation(token=token, user=user, ip=_ip(request))
        except services.TeamActionRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Welcome to the team."))
            return complete_signup(
                request, user, app_settings.EMAIL_VERIFICATION, reverse("accounts:dashboard")
            )
    context = {
        "form": form,
        "invitation": invitation,
        "account_name": account_name(invitation.account),
    }
    return render(request, "teams/join_signup.html", context)
