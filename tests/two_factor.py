"""Two-factor helpers for the tests: TOTP codes computed here from the secret (RFC 6238, independently
of allauth's code), sign-in through allauth's forms, an authenticator app set up for a user."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str, at: float) -> str:
    """The six-digit code an authenticator app shows at Unix time ``at`` (30-second steps, SHA-1)."""
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@contextmanager
def clock(at: float) -> Iterator[None]:
    """The server's clock at ``at``, so a code from one 30-second step cannot be taken for a replay."""
    with mock.patch("allauth.mfa.totp.internal.auth.time.time", return_value=at):
        yield


def with_totp(user, secret: str = SECRET) -> Authenticator:
    """An authenticator app for ``user`` (set up directly, for tests about something else)."""
    return TOTP.activate(user, secret).instance


def sign_in(client: Client, user, *, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def reauthenticate(client: Client, *, password: str = PASSWORD) -> None:
    """allauth asks for the password again before two-factor changes (``MFA_REAUTHENTICATION_REQUIRED``)."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response


def signed_in_with_totp(user, *, at: float | None = None, secret: str = SECRET) -> Client:
    """A client signed in through both steps: password, then the authenticator code."""
    at = at or time.time()
    client = Client()
    response = sign_in(client, user)
    assert response.url == reverse("mfa_authenticate"), response
    with clock(at):
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, at)})
    assert response.status_code == 302 and response.url != reverse("mfa_authenticate"), response
    return client
