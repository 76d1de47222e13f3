"""Reads (members.selectors): the org-scoped lookups that 404 outside the organization, the Members
page rows and when an invitation counts as expired, the invitation's project access, membership."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from allauth.mfa.models import Authenticator
from django.http import Http404

from members.member_list import Position, Query, members_page
from members.selectors import (
    attach_row_details,
    invitation_grants,
    is_member,
    membership_in_organization,
    open_invitation_in_organization,
    organization_for_member,
    project_in_organization,
)
from tests.factories import (
    InvitationFactory,
    InvitationProjectFactory,
    MembershipFactory,
    ProjectFactory,
    ProjectMembershipFactory,
    UserFactory,
)
from tests.two_factor import with_totp


@pytest.mark.parametrize(("offset", "status"), [(timedelta(0), "pending"), (timedelta(seconds=1), "expired")])
def test_an_invitation_is_expired_only_after_its_expiry(organization, offset, status):
    def rows(**query):
        return attach_row_details(organization, members_page(organization, Query(**query), Position()).keys)

    invitation = InvitationFactory(organization=organization)
    with mock.patch("members.member_list.timezone.now", return_value=invitation.expires_at + offset):
        [row] = rows(q=invitation.email)
        filtered = {name: rows(status=name) for name in ("pending", "expired")}
    assert row.status == status
    assert [r.email for r in filtered[status]] == [invitation.email]
    assert filtered["expired" if status == "pending" else "pending"] == []


def test_a_membership_row_carries_its_inviter_and_its_projects_here_by_name(organization, owner, other_owner):
    inviter = UserFactory(name="", email="inviter@example.com")
    person = MembershipFactory(organization=organization, invited_by=inviter, user__email="p@example.com").user
    orphan = MembershipFactory(organization=organization, invited_by=None, user__email="o@example.com").user
    for name, role in [("Zeta", "read_only"), ("Alpha", "admin")]:
        ProjectMembershipFactory(project=ProjectFactory(organization=organization, name=name), user=person, role=role)
    elsewhere = MembershipFactory(user=other_owner).organization
    ProjectMembershipFactory(project=ProjectFactory(organization=elsewhere, name="Foreign"), user=person)
    rows = {
        row.email: row for row in attach_row_details(organization, members_page(organization, Query(), Position()).keys)
    }
    assert rows[person.email].projects == [("Alpha", "Project Admin"), ("Zeta", "Project Read-Only")]
    assert (rows[person.email].invited_by.email, rows[person.email].invited_by.display_name) == (
        "inviter@example.com",
        "inviter@example.com",  # no name: the address stands in for it
    )
    assert rows[orphan.email].invited_by is None and rows[orphan.email].projects == []
    assert rows[person.email].user_id == person.pk and rows[person.email].obj is None


def test_two_factor_status_is_read_only_when_asked_for_and_recovery_codes_alone_do_not_count(organization, owner):
    codes_only = MembershipFactory(organization=organization, user__email="codes@example.com").user
    Authenticator.objects.create(user=codes_only, type=Authenticator.Type.RECOVERY_CODES, data={})
    with_totp(owner)
    keys = members_page(organization, Query(), Position()).keys
    shown = {row.email: row.two_factor for row in attach_row_details(organization, keys, two_factor=True)}
    assert shown == {owner.email: True, codes_only.email: False}
    assert {row.two_factor for row in attach_row_details(organization, keys)} == {None}  # not asked: not known


def test_lookups_by_id_are_404s_outside_the_organization(organization, other_owner):
    other = MembershipFactory(user=other_owner).organization
    foreign_project = ProjectFactory(organization=other)
    foreign_invitation = InvitationFactory(organization=other)
    foreign_membership = other.memberships.first()
    for lookup, foreign_id in [
        (project_in_organization, foreign_project.pk),
        (open_invitation_in_organization, foreign_invitation.pk),
        (membership_in_organization, foreign_membership.pk),
    ]:
        with pytest.raises(Http404):
            lookup(organization, foreign_id)


def test_the_organization_is_a_404_for_anyone_outside_it(organization, owner, stranger):
    assert organization_for_member(owner, organization.slug)[0] == organization
    with pytest.raises(Http404):
        organization_for_member(stranger, organization.slug)


def test_a_closed_invitation_is_not_open(organization):
    accepted = InvitationFactory(organization=organization, status="accepted")
    with pytest.raises(Http404):
        open_invitation_in_organization(organization, accepted.pk)


def test_invitation_grants_are_by_project_name(organization):
    invitation = InvitationFactory(organization=organization)
    for name in ("Zeta", "Alpha"):
        InvitationProjectFactory(invitation=invitation, project=ProjectFactory(organization=organization, name=name))
    assert [grant.project.name for grant in invitation_grants(invitation)] == ["Alpha", "Zeta"]


def test_is_member(organization, member, stranger):
    assert is_member(member, organization.pk) and not is_member(stranger, organization.pk)
