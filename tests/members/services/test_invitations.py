"""Invitations, the owner's side (members.services.invitations): invite, resend and revoke, the daily
limits, and the races that only a real row lock settles (PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from members import services
from members.exceptions import (
    InvitationLimitError,
    InvitationNotPendingError,
)
from members.models import Invitation, Membership, MembershipEvent, OutboundEmail
from members.roles import OrgRole, ProjectRole
from members.tokens import invitation_token_generator
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    UserFactory,
)
from tests.helpers import run_together

IP = "203.0.113.7"


def events(action: str) -> list[MembershipEvent]:
    return list(MembershipEvent.objects.filter(action=action).order_by("pk"))


def test_invite_creates_a_pending_invitation_with_expiry_event_and_email(organization, owner, settings):
    settings.INVITATION_EXPIRY_HOURS = 48
    project = ProjectFactory(organization=organization, name="Production")
    before = timezone.now()

    result = services.invite_members(
        organization,
        actor=owner,
        emails=["new@example.com"],
        role=OrgRole.MEMBER,
        project_roles={project: ProjectRole.READ_WRITE},
        ip=IP,
    )

    [invitation] = result.invited
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.invited_by == owner and invitation.role == OrgRole.MEMBER
    assert invitation.expires_at - invitation.sent_at == timedelta(hours=48)
    assert invitation.sent_at >= before
    assert [(g.project, g.role) for g in invitation.project_grants.all()] == [(project, ProjectRole.READ_WRITE)]
    [event] = events(MembershipEvent.Action.INVITED)
    assert (event.actor, event.organization, event.target_email, event.new_role, event.ip_address) == (
        owner,
        organization,
        "new@example.com",
        OrgRole.MEMBER,
        IP,
    )
    [email] = OutboundEmail.objects.all()
    assert (email.kind, email.to_email, email.invitation) == (
        OutboundEmail.Kind.INVITATION,
        "new@example.com",
        invitation,
    )
    assert email.invitation_nonce == invitation.nonce and "nonce" not in email.context
    assert email.context["projects"] == [{"project": "Production", "role": "Project Read-Write"}]
    assert email.context["role_label"] == "Organization Member"


def test_invite_invites_existing_users_exactly_like_new_addresses(organization, owner, stranger):
    result = services.invite_members(
        organization, actor=owner, emails=[stranger.email, "brand-new@example.com"], role=OrgRole.OWNER
    )
    assert sorted(i.email for i in result.invited) == ["brand-new@example.com", stranger.email]
    assert not Membership.objects.filter(organization=organization, user=stranger).exists()
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.INVITATION).count() == 2


def test_invite_skips_members_by_account_email_case_insensitively(organization, owner, member):
    result = services.invite_members(organization, actor=owner, emails=["MEMBER@Example.com"], role=OrgRole.MEMBER)
    assert result.invited == [] and result.already_members == ["MEMBER@Example.com"]
    assert not Invitation.objects.exists() and not OutboundEmail.objects.exists()
    assert not events(MembershipEvent.Action.INVITED)


def test_invite_skips_members_by_any_verified_address_of_theirs(organization, owner, member):
    EmailAddress.objects.create(user=member, email="max.second@example.com", verified=True, primary=False)
    EmailAddress.objects.create(user=member, email="unverified@example.com", verified=False, primary=False)
    result = services.invite_members(
        organization, actor=owner, emails=["max.second@example.com", "unverified@example.com"], role=OrgRole.MEMBER
    )
    assert result.already_members == ["max.second@example.com"]
    assert [i.email for i in result.invited] == ["unverified@example.com"]


def test_invite_skips_addresses_with_a_pending_invitation_even_when_expired(organization, owner):
    open_one = InvitationFactory(organization=organization, email="open@example.com")
    expired = InvitationFactory(organization=organization, email="late@example.com", expired=True)
    InvitationFactory(organization=organization, email="gone@example.com", revoked=True)

    result = services.invite_members(
        organization, actor=owner, emails=["Open@example.com", "late@example.com", "gone@example.com"], role="member"
    )

    assert result.already_invited == [open_one, expired]
    assert [i.email for i in result.invited] == ["gone@example.com"]


def test_invite_collapses_duplicates_case_insensitively(organization, owner):
    result = services.invite_members(
        organization, actor=owner, emails=["Dup@example.com", "dup@EXAMPLE.com", "dup@example.com"], role="member"
    )
    assert [i.email for i in result.invited] == ["Dup@example.com"]
    assert Invitation.objects.count() == 1


def test_invite_refuses_a_project_of_another_organization(organization, owner):
    foreign = ProjectFactory()
    with pytest.raises(ValueError):
        services.invite_members(
            organization, actor=owner, emails=["x@example.com"], role="member", project_roles={foreign: "read_only"}
        )
    assert not Invitation.objects.exists()


def test_invite_over_the_organization_daily_limit_creates_nothing(organization, owner, settings):
    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = 3
    settings.INVITATIONS_PER_INVITER_PER_DAY = 100
    services.invite_members(organization, actor=owner, emails=["a@example.com", "b@example.com"], role="member")

    with pytest.raises(InvitationLimitError) as refused:
        services.invite_members(organization, actor=owner, emails=["c@example.com", "d@example.com"], role="member")

    assert "3 invitations a day" in refused.value.message and "1 left" in refused.value.message
    assert Invitation.objects.count() == 2 and OutboundEmail.objects.count() == 2


def test_invite_limit_counts_only_the_last_24_hours(organization, owner, settings):
    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = 1
    services.invite_members(organization, actor=owner, emails=["a@example.com"], role="member")
    MembershipEvent.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    result = services.invite_members(organization, actor=owner, emails=["b@example.com"], role="member")
    assert len(result.invited) == 1


def test_invite_over_the_inviter_daily_limit_counts_every_organization(organization, owner, settings):
    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = 100
    settings.INVITATIONS_PER_INVITER_PER_DAY = 2
    second = OrganizationFactory(owner=owner)
    services.invite_members(second, actor=owner, emails=["a@example.com", "b@example.com"], role="member")

    with pytest.raises(InvitationLimitError) as refused:
        services.invite_members(organization, actor=owner, emails=["c@example.com"], role="member")

    assert "You can send 2 invitations a day" in refused.value.message
    assert not Invitation.objects.filter(organization=organization).exists()


def test_invite_that_only_skips_is_not_limited(organization, owner, member, settings):
    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = 0
    result = services.invite_members(organization, actor=owner, emails=[member.email], role="member")
    assert result.already_members == [member.email]


def test_rolled_back_invite_leaves_no_invitation_event_email_or_task(organization, owner):
    from django_tasks_db.models import DBTaskResult

    with pytest.raises(RuntimeError), transaction.atomic():
        services.invite_members(organization, actor=owner, emails=["x@example.com"], role="member")
        raise RuntimeError("the surrounding request failed")

    assert not Invitation.objects.exists() and not MembershipEvent.objects.exists()
    assert not OutboundEmail.objects.exists() and not DBTaskResult.objects.exists()


def test_resend_rotates_the_nonce_and_renews_the_expiry(organization, owner, settings):
    invitation = InvitationFactory(organization=organization, expired=True, delivery_status="bounced")
    old_nonce, old_expiry = invitation.nonce, invitation.expires_at

    services.resend_invitation(invitation, actor=owner, ip=IP)

    invitation.refresh_from_db()
    assert invitation.nonce != old_nonce
    assert invitation.expires_at > old_expiry and not invitation_token_generator.is_expired(invitation)
    assert invitation.expires_at - invitation.sent_at == timedelta(hours=settings.INVITATION_EXPIRY_HOURS)
    assert invitation.delivery_status == Invitation.Delivery.QUEUED
    [event] = events(MembershipEvent.Action.INVITATION_RESENT)
    assert (event.target_email, event.ip_address) == (invitation.email, IP)
    [email] = OutboundEmail.objects.all()
    assert email.invitation_nonce == invitation.nonce and "nonce" not in email.context


def test_resend_of_a_revoked_invitation_is_refused(organization, owner):
    invitation = InvitationFactory(organization=organization, revoked=True)
    with pytest.raises(InvitationNotPendingError):
        services.resend_invitation(invitation, actor=owner)
    assert not OutboundEmail.objects.exists() and not MembershipEvent.objects.exists()


def test_resend_counts_towards_the_daily_limit(organization, owner, settings):
    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = 1
    services.invite_members(organization, actor=owner, emails=["a@example.com"], role="member")
    invitation = Invitation.objects.get()
    nonce = invitation.nonce
    with pytest.raises(InvitationLimitError):
        services.resend_invitation(invitation, actor=owner)
    invitation.refresh_from_db()
    assert invitation.nonce == nonce


def test_revoke_marks_it_revoked_kills_the_link_and_tells_the_invitee(organization, owner):
    invitation = InvitationFactory(organization=organization, email="bye@example.com", owner=True)
    old_nonce = invitation.nonce

    services.revoke_invitation(invitation, actor=owner, ip=IP)

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED and invitation.nonce != old_nonce
    [event] = events(MembershipEvent.Action.INVITATION_REVOKED)
    assert (event.target_email, event.old_role, event.actor) == ("bye@example.com", OrgRole.OWNER, owner)
    [email] = OutboundEmail.objects.all()
    assert (email.kind, email.to_email) == (OutboundEmail.Kind.INVITATION_REVOKED, "bye@example.com")


def test_revoking_twice_is_a_no_op(organization, owner):
    invitation = InvitationFactory(organization=organization)
    services.revoke_invitation(invitation, actor=owner)
    services.revoke_invitation(invitation, actor=owner)
    assert MembershipEvent.objects.count() == 1 and OutboundEmail.objects.count() == 1


def test_revoking_an_accepted_invitation_is_refused(organization, owner):
    invitation = InvitationFactory(organization=organization, accepted=True)
    with pytest.raises(InvitationNotPendingError):
        services.revoke_invitation(invitation, actor=owner)
    assert not MembershipEvent.objects.exists() and not OutboundEmail.objects.exists()


def test_the_invitee_of_an_existing_user_is_not_confused_with_members(organization, owner):
    user = UserFactory(email="someone@example.com")
    result = services.invite_members(organization, actor=owner, emails=["someone@example.com"], role="member")
    assert [i.email for i in result.invited] == [user.email]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
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


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
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


def test_invite_queries_do_not_grow_with_the_number_of_addresses(organization, owner, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = settings.INVITATIONS_PER_INVITER_PER_DAY = 100
    project = ProjectFactory(organization=organization)
    counts = []
    for batch, size in enumerate((1, 2, 50)):
        emails = [f"bulk{batch}-{n}@example.com" for n in range(size)]
        with CaptureQueriesContext(connection) as queries:
            result = services.invite_members(
                organization, actor=owner, emails=emails, role="member", project_roles={project: "read_only"}
            )
        assert len(result.invited) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
    invited = Invitation.objects.filter(email__startswith="bulk2-")
    assert invited.count() == 50 and all(i.project_grants.get().project == project for i in invited)
    assert MembershipEvent.objects.filter(action="invited", target_email__startswith="bulk2-").count() == 50
    emails = OutboundEmail.objects.filter(to_email__startswith="bulk2-")
    assert emails.count() == 50
    assert {e.context["projects"][0]["project"] for e in emails} == {project.name}
    assert {e.invitation_nonce for e in emails} == {i.nonce for i in invited}
