"""Per-user two-factor authentication through allauth.mfa: set-up, sign-in, recovery codes, and what
each change leaves behind (an audit row, an email notice, other sessions signed out)."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.models import MembershipEvent
from tests.factories import UserFactory
from tests.helpers import run_worker
from tests.two_factor import SECRET, clock, reauthenticate, sign_in, signed_in_with_totp, totp_code, with_totp

Action = MembershipEvent.Action
# allauth announces a new authenticator app once its transaction commits: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

# The start of the current 30-second step: each step below is a later one, with a code of its own.
T0 = float(int(time.time()) // 30 * 30)


@pytest.fixture
def user():
    return UserFactory(email="ada@example.com", name="Ada Lovelace")


def notices_to(address: str) -> list[str]:
    """Subjects of the emails delivered to ``address`` (the outbox's worker runs first)."""
    run_worker()
    return [message.subject for message in mail.outbox if address in message.to]


def activate_totp(client: Client, *, at: float) -> tuple[str, object]:
    """Open the set-up page, read the secret it shows, answer with the code an app would show."""
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert f"secret={secret}" in page.context["totp_url"]
    assert page.context["totp_svg_data_uri"].startswith("data:image/svg+xml;base64,")  # the QR code
    with clock(at):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret, at)})
    return secret, response


def test_totp_set_up_then_sign_in_asks_for_a_code(user):
    client = Client()
    sign_in(client, user)
    secret, response = activate_totp(client, at=T0)
    assert response.status_code == 302 and response.url == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert MembershipEvent.objects.filter(action=Action.TOTP_ACTIVATED, target_email=user.email).count() == 1
    assert any("Authenticator App Activated" in subject for subject in notices_to(user.email))

    client.post(reverse("account_logout"))
    fresh = Client()
    response = sign_in(fresh, user)
    assert response.url == reverse("mfa_authenticate")
    assert fresh.get(reverse("members:home")).status_code == 302  # the password alone does not sign in
    with clock(T0 + 30):
        wrong = fresh.post(reverse("mfa_authenticate"), {"code": totp_code(secret, T0 - 600)})
    assert wrong.status_code == 200 and "_auth_user_id" not in fresh.session
    with clock(T0 + 60):
        response = fresh.post(reverse("mfa_authenticate"), {"code": totp_code(secret, T0 + 60)})
    assert response.status_code == 302
    assert fresh.session["_auth_user_id"] == str(user.pk)


def test_a_code_cannot_be_used_twice(user):
    with_totp(user)
    signed_in_with_totp(user, at=T0)
    again = Client()
    sign_in(again, user)
    with clock(T0):
        response = again.post(reverse("mfa_authenticate"), {"code": totp_code(SECRET, T0)})
    assert response.status_code == 200 and "_auth_user_id" not in again.session


def test_recovery_codes_shown_once_downloadable_and_regenerable(user):
    client = Client()
    sign_in(client, user)
    activate_totp(client, at=T0)
    page = client.get(reverse("mfa_view_recovery_codes"))
    codes = page.context["unused_codes"]
    assert len(codes) == 10 and all(code in page.content.decode() for code in codes)
    assert 'download="orgconsole-recovery-codes.txt"' in page.content.decode()
    assert "%0A".join(codes) in page.content.decode()  # the download is the same list

    second = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert not any(code in second for code in codes)  # shown once
    assert client.get(reverse("mfa_download_recovery_codes")).status_code == 403

    reauthenticate(client)
    response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    fresh_codes = client.get(reverse("mfa_view_recovery_codes")).context["unused_codes"]
    assert set(fresh_codes).isdisjoint(codes)
    assert MembershipEvent.objects.filter(action=Action.RECOVERY_CODES_GENERATED, target_email=user.email).exists()
    assert any("New Recovery Codes Generated" in subject for subject in notices_to(user.email))


def test_signing_in_with_a_recovery_code_is_audited_and_emailed(user):
    client = Client()
    sign_in(client, user)
    activate_totp(client, at=T0)
    code = client.get(reverse("mfa_view_recovery_codes")).context["unused_codes"][0]
    client.post(reverse("account_logout"))
    mail.outbox.clear()

    fresh = Client()
    sign_in(fresh, user)
    fresh.post(reverse("mfa_authenticate"), {"code": code})
    assert fresh.session["_auth_user_id"] == str(user.pk)
    assert MembershipEvent.objects.filter(action=Action.RECOVERY_CODE_USED, target_email=user.email).count() == 1
    assert any("Recovery Code Used" in subject for subject in notices_to(user.email))

    # The same code does not work twice.
    third = Client()
    sign_in(third, user)
    third.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in third.session


def test_turning_totp_off_is_audited_emailed_and_signs_out_the_other_browsers(user):
    with_totp(user)
    other = signed_in_with_totp(user, at=T0)
    client = signed_in_with_totp(user, at=T0 + 30)
    assert other.get(reverse("mfa_index")).status_code == 200
    mail.outbox.clear()

    reauthenticate(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    assert MembershipEvent.objects.filter(action=Action.TOTP_DEACTIVATED, target_email=user.email).count() == 1
    assert any("Authenticator App Deactivated" in subject for subject in notices_to(user.email))
    assert client.get(reverse("mfa_index")).status_code == 200  # this browser stays signed in
    assert other.get(reverse("mfa_index")).status_code == 302  # the other one is signed out


def test_turning_totp_off_needs_the_password_again(user):
    with_totp(user)
    client = signed_in_with_totp(user, at=T0)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert not MembershipEvent.objects.filter(action=Action.TOTP_DEACTIVATED).exists()
