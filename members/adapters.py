"""django-allauth hooks: the invitation flow runs through allauth's signup and login."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm
from allauth.core import context
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members import acceptance, services
from members.account_emails import OutboxMailMixin
from members.exceptions import DomainError, InvitationError
from members.http import client_ip
from members.models import Invitation


def open_invitation(request: HttpRequest | None) -> Invitation | None:
    """The usable invitation this session opened, if any."""
    if request is None or not hasattr(request, "session") or not acceptance.has_invitation(request):
        return None
    try:
        return acceptance.invitation_from_session(request)
    except InvitationError:
        return None


def accept_from_session(request: HttpRequest) -> HttpResponse:
    """Accept the session's invitation for the signed-in user and say what happened.

    The one place a view or a login hook turns an accept into a response; the join page explains
    every refusal (wrong account, expired, revoked), so refusals go back there.
    """
    join_url = reverse("members:invitation_join")
    try:
        invitation = acceptance.invitation_from_session(request)
        result = services.accept_invitation(invitation, actor=request.user, ip=client_ip(request))
    except DomainError:
        acceptance.set_accept_requested(request, False)
        return HttpResponseRedirect(join_url)
    acceptance.forget(request)
    organization = result.membership.organization
    if result.joined:
        messages.success(
            request,
            gettext("You joined %(organization)s as %(role)s.")
            % {"organization": organization.name, "role": result.membership.get_role_display()},
        )
    else:
        messages.info(
            request, gettext("You are already a member of %(organization)s.") % {"organization": organization.name}
        )
    return HttpResponseRedirect(reverse("members:members", args=[organization.slug]))


class AccountAdapter(OutboxMailMixin, DefaultAccountAdapter):
    """Our allauth adapter: keeps an opened invitation through signup, login and the other flows; sends
    allauth's emails through our outbox (``OutboxMailMixin``)."""

    def get_client_ip(self, request: HttpRequest) -> str:
        # One answer for allauth's rate limits and our audit rows and logs (trusted-proxy aware).
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth counts failed sign-ins per account ("key") besides per address. Counted per account
        # alone, an attacker's failures would lock the owner out everywhere (attacker-triggerable
        # lockout); counted per (client, account), they only slow the attacker down.
        return f"{client_ip(request)}:{super()._get_login_attempts_cache_key(request, **credentials)}"

    def is_email_verified(self, request: HttpRequest, email: str) -> bool:
        # Opening the invitation link proved the visitor reads the invited mailbox; only that
        # address counts as verified (a signup POST naming another address is not).
        if super().is_email_verified(request, email):
            return True
        invitation = open_invitation(request)
        return invitation is not None and acceptance.same_email(invitation.email, email)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if acceptance.has_invitation(request):
            return reverse("members:invitation_join")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        if acceptance.has_invitation(request):
            return reverse("members:invitation_join")
        return super().get_signup_redirect_url(request)

    def post_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        if acceptance.accept_requested(request):
            # They pressed "Accept invitation" before signing in: finish it now, in this POST.
            return accept_from_session(request)
        return response


class InvitationSignupForm(SignupForm):
    """allauth's signup form. While an invitation is open in the session the email field holds the
    invited address and cannot be changed: a disabled field ignores whatever the POST says."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invitation = open_invitation(context.request)
        if invitation is not None and "email" in self.fields:
            self.initial["email"] = invitation.email
            field = self.fields["email"]
            field.disabled = True
            field.help_text = _("The address your invitation was sent to.")
            field.widget.attrs["readonly"] = True

    def try_save(self, request: HttpRequest) -> tuple[AbstractBaseUser | None, HttpResponse | None]:
        if self.account_already_exists:
            # allauth then only emails the address ("you already have an account") and skips hashing
            # the password: answer after the same work as a new account, so timing does not tell.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)
