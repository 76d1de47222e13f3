"""A user's own display name (members.services.accounts): validated by the names rule, audited, re-sorting
the Members pages they are on; nobody else changes it here."""

from __future__ import annotations

import pytest

from members import services
from members.exceptions import DisplayNameError
from members.models import Membership, MembershipEvent, User
from tests.helpers import db_snapshot


def test_a_new_name_is_saved_audited_and_resorts_the_members_page(organization, member):
    changed = services.change_display_name(member, actor=member, name="  Alex Zimmer ", ip="203.0.113.5")

    assert changed and User.objects.get(pk=member.pk).name == "Alex Zimmer"
    assert Membership.objects.get(user=member).sort_name.startswith("alex zimmer")
    [event] = MembershipEvent.objects.filter(action="name_changed")
    assert (event.actor, event.target_email, event.organization) == (member, member.email, None)
    assert event.detail == "'Max Member' -> 'Alex Zimmer'" and event.ip_address == "203.0.113.5"


def test_the_same_name_changes_nothing(member):
    before = db_snapshot()
    assert not services.change_display_name(member, actor=member, name="Max Member")
    assert db_snapshot() == before


@pytest.mark.parametrize("name", ["Visit www.evil.example", "<b>Max</b>", "Max\u202eevil", "x" * 151])
def test_a_name_the_rule_refuses_changes_nothing(member, name):
    before = db_snapshot()
    with pytest.raises(DisplayNameError):
        services.change_display_name(member, actor=member, name=name)
    assert db_snapshot() == before


def test_nobody_else_changes_your_name(member, owner):
    before = db_snapshot()
    with pytest.raises(DisplayNameError):
        services.change_display_name(member, actor=owner, name="Renamed")
    assert db_snapshot() == before
