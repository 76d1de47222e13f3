"""The django-allauth adapter: the invitation flow runs through allauth's signup and login."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from members import address_ownership, invitation_session
from members.account_emails import OutboxMailMixin
from members.addresses import same_address
from members.http import client_ip, count_password_sign_in_as_recent
from members.models import Invitation


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
        # Opening the emailed invitation link proved the visitor reads the invited mailbox; only that
        # address counts as verified (a signup POST naming another address is not). A link an owner
        # copied and delivered by hand proves nothing about the mailbox: that invitee confirms by email.
        if super().is_email_verified(request, email):
            return True
        invitation = invitation_session.open_invitation(request)
        return (
            invitation is not None
            and invitation.delivery_status != Invitation.Delivery.LINK_ONLY
            and same_address(invitation.email, email)
        )

    def save_user(self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True) -> Any:
        email = form.cleaned_data.get("email", "")
        if not (commit and email and self.is_email_verified(request, email)):
            return super().save_user(request, user, form, commit)
        # Signing up from the invitation link proved the invitee reads this mailbox: the address is
        # theirs, verified, and comes off any account that only listed it unverified.
        with transaction.atomic():
            address_ownership.release_unverified_copies(email)
            return super().save_user(request, user, form, commit)

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        with transaction.atomic():
            confirmed = super().confirm_email(request, email_address)
            if confirmed:
                address_ownership.release_unverified_copies(email_address.email, keep=email_address.user)
        return confirmed

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if invitation_session.has_invitation(request):
            return reverse("members:invitation_join")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        if invitation_session.has_invitation(request):
            return reverse("members:invitation_join")
        return super().get_signup_redirect_url(request)

    def post_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        count_password_sign_in_as_recent(request)
        if invitation_session.accept_requested(request):
            # They pressed "Accept invitation" before signing in: finish it now, in this POST.
            return invitation_session.accept_from_session(request)
        return response
