"""Two-factor services: the organization's requirement (audited, emails the members it affects, refused
to an owner who would lock themselves out) and who counts as having two-factor authentication."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from members.models import MembershipEvent, OutboundEmail
from members.services.security import (
    TwoFactorSetupRequiredError,
    has_two_factor,
    members_without_two_factor,
    set_two_factor_requirement,
)
from tests.factories import MembershipFactory
from tests.helpers import db_snapshot, run_worker
from tests.two_factor import with_totp

Action = MembershipEvent.Action


def test_recovery_codes_alone_are_not_two_factor(member):
    Authenticator.objects.create(user=member, type=Authenticator.Type.RECOVERY_CODES, data={})
    assert not has_two_factor(member)
    with_totp(member)
    assert has_two_factor(member)


def test_turning_it_on_is_audited_and_emails_only_the_members_without_it(organization, owner, member):
    with_totp(owner)
    secured = MembershipFactory(organization=organization, user__name="Sue Secure").user
    with_totp(secured)
    affected = set_two_factor_requirement(organization, actor=owner, required=True, ip="192.0.2.7")
    organization.refresh_from_db()
    assert organization.require_two_factor
    assert affected == [member]
    event = MembershipEvent.objects.get(action=Action.TWO_FACTOR_REQUIRED)
    assert (event.organization, event.actor, event.ip_address) == (organization, owner, "192.0.2.7")
    assert list(OutboundEmail.objects.values_list("kind", "to_email")) == [("two_factor_required", member.email)]
    run_worker()
    [message] = mail.outbox
    assert message.subject == "Acme Corp now requires two-factor authentication"
    assert "Olivia Owner" in message.body and "/accounts/2fa/" in message.body


def test_an_owner_without_two_factor_cannot_turn_it_on_and_nothing_changes(organization, owner, member):
    before = db_snapshot()
    with pytest.raises(TwoFactorSetupRequiredError):
        set_two_factor_requirement(organization, actor=owner, required=True)
    assert db_snapshot() == before


def test_turning_it_off_is_audited_and_emails_nobody(organization, owner, member):
    with_totp(owner)
    set_two_factor_requirement(organization, actor=owner, required=True)
    OutboundEmail.objects.all().delete()
    assert set_two_factor_requirement(organization, actor=owner, required=False) == []
    organization.refresh_from_db()
    assert not organization.require_two_factor
    assert MembershipEvent.objects.filter(action=Action.TWO_FACTOR_NOT_REQUIRED).count() == 1
    assert not OutboundEmail.objects.exists()


def test_asking_for_the_current_state_again_changes_nothing(organization, owner):
    before = db_snapshot()
    assert set_two_factor_requirement(organization, actor=owner, required=False) == []
    assert db_snapshot() == before


def test_members_without_two_factor_are_listed_by_name(organization, owner, member):
    MembershipFactory(organization=organization, user__name="Aaron Early")
    assert [user.name for user in members_without_two_factor(organization)] == [
        "Aaron Early",
        "Max Member",
        "Olivia Owner",
    ]
