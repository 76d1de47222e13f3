"""Receivers of allauth's account and MFA signals: audit each change to a user's two-factor
authentication, email a notice when a recovery code is used, and end the user's other sessions when
the password changes or two-factor authentication is turned off.

allauth itself emails the notices for an authenticator added or removed and for new recovery codes
(through the account adapter's ``send_notification_mail``, which routes them through the outbox).
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.usersessions.internal.flows.sessions import end_other_sessions
from django.http import HttpRequest

from members.http import client_ip
from members.models import MembershipEvent, User
from members.services.security import has_two_factor, record_account_event

Action = MembershipEvent.Action
ADDED = {Authenticator.Type.TOTP: Action.TOTP_ACTIVATED, Authenticator.Type.WEBAUTHN: Action.SECURITY_KEY_ADDED}
REMOVED = {Authenticator.Type.TOTP: Action.TOTP_DEACTIVATED, Authenticator.Type.WEBAUTHN: Action.SECURITY_KEY_REMOVED}


def _audit(request: HttpRequest | None, user: User, action: str) -> None:
    actor = request.user if request is not None and request.user.is_authenticated else user
    record_account_event(user, actor=actor, action=action, ip=client_ip(request) if request is not None else None)


def on_authenticator_added(
    sender: Any, *, request: HttpRequest, user: User, authenticator: Authenticator, **_: Any
) -> None:
    # Recovery codes made alongside a first authenticator are part of that change, not one of their own.
    if action := ADDED.get(authenticator.type):
        _audit(request, user, action)


def on_authenticator_removed(
    sender: Any, *, request: HttpRequest, user: User, authenticator: Authenticator, **_: Any
) -> None:
    if action := REMOVED.get(authenticator.type):
        _audit(request, user, action)
        if not has_two_factor(user):
            # Two-factor authentication is off: whoever else is signed in got there with it; sign them out.
            end_other_sessions(request, user)


def on_authenticator_reset(
    sender: Any, *, request: HttpRequest, user: User, authenticator: Authenticator, **_: Any
) -> None:
    _audit(request, user, Action.RECOVERY_CODES_GENERATED)


def on_authenticator_used(
    sender: Any, *, request: HttpRequest, user: User, authenticator: Authenticator, **_: Any
) -> None:
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        return
    _audit(request, user, Action.RECOVERY_CODE_USED)
    unused = len(authenticator.wrap().get_unused_codes())
    get_mfa_adapter().send_notification_mail("mfa/email/recovery_code_used", user, {"unused_count": unused})


def on_password_changed(sender: Any, *, request: HttpRequest, user: User, **_: Any) -> None:
    end_other_sessions(request, user)


def connect() -> None:
    from allauth.account.signals import password_changed, password_set
    from allauth.mfa import signals

    signals.authenticator_added.connect(on_authenticator_added, dispatch_uid="members.mfa_added")
    signals.authenticator_removed.connect(on_authenticator_removed, dispatch_uid="members.mfa_removed")
    signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid="members.mfa_reset")
    signals.authenticator_used.connect(on_authenticator_used, dispatch_uid="members.mfa_used")
    password_changed.connect(on_password_changed, dispatch_uid="members.password_changed")
    password_set.connect(on_password_changed, dispatch_uid="members.password_set")
