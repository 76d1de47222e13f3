"""Races that only a real row lock settles (PostgreSQL; SQLite ignores select_for_update)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from members import services
from members.exceptions import DomainError, InvitationLimitError, LastOwnerError
from members.models import Invitation, Membership, MembershipEvent, OutboundEmail
from members.roles import OrgRole
from tests.conftest import requires_postgres
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls: Callable[[], object]) -> list[object]:
    """Start each call on its own thread at the same moment; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    organization = OrganizationFactory(owner=alice)
    alice_membership = Membership.objects.get(user=alice)
    bob_membership = MembershipFactory(organization=organization, user=bob, owner=True)

    results = run_together(
        lambda: services.change_member_role(bob_membership, actor=alice, role=OrgRole.MEMBER),
        lambda: services.change_member_role(alice_membership, actor=bob, role=OrgRole.MEMBER),
    )

    assert sum(isinstance(r, LastOwnerError) for r in results) == 1, results
    assert sum(isinstance(r, Membership) for r in results) == 1, results
    assert Membership.objects.filter(organization=organization, role=OrgRole.OWNER).count() == 1
    assert MembershipEvent.objects.filter(action=MembershipEvent.Action.ROLE_CHANGED).count() == 1
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ROLE_CHANGED).count() == 1


def test_two_owners_removing_each_other_at_once_leave_one_owner():
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    organization = OrganizationFactory(owner=alice)
    alice_membership = Membership.objects.get(user=alice)
    bob_membership = MembershipFactory(organization=organization, user=bob, owner=True)

    results = run_together(
        lambda: services.remove_member(bob_membership, actor=alice),
        lambda: services.remove_member(alice_membership, actor=bob),
    )

    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    assert Membership.objects.filter(organization=organization, role=OrgRole.OWNER).count() == 1


def test_concurrent_invites_cannot_overshoot_the_daily_limit(settings):
    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = 3
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    organization = OrganizationFactory(owner=alice)
    MembershipFactory(organization=organization, user=bob, owner=True)

    results = run_together(
        lambda: services.invite_members(organization, actor=alice, emails=["a1@x.com", "a2@x.com"], role="member"),
        lambda: services.invite_members(organization, actor=bob, emails=["b1@x.com", "b2@x.com"], role="member"),
    )

    assert sum(isinstance(r, InvitationLimitError) for r in results) == 1, results
    assert Invitation.objects.filter(organization=organization).count() == 2


def test_concurrent_invites_of_the_same_address_create_one_invitation():
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    organization = OrganizationFactory(owner=alice)
    MembershipFactory(organization=organization, user=bob, owner=True)

    results = run_together(
        lambda: services.invite_members(organization, actor=alice, emails=["same@x.com"], role="member"),
        lambda: services.invite_members(organization, actor=bob, emails=["SAME@x.com"], role="member"),
    )

    assert sorted(len(r.invited) for r in results) == [0, 1], results
    assert Invitation.objects.filter(organization=organization).count() == 1
