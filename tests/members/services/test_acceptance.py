"""Invitations, the invitee's side (members.services.acceptance): accept and decline, who may, what they
get, what the inviter hears; and the races with revoke and a second accept (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import transaction

from members import services
from members.addresses import same_address
from members.exceptions import (
    InvitationAlreadyUsedError,
    InvitationDeclinedError,
    InvitationExpiredError,
    InvitationRevokedError,
    InvitationSupersededError,
    InvitationWrongAccountError,
)
from members.models import Invitation, Membership, MembershipEvent, OutboundEmail, ProjectMembership, new_nonce
from members.roles import OrgRole, ProjectRole
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory, InvitationProjectFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.helpers import db_snapshot, db_snapshot_without_refusals, run_together, run_worker

DOTLESS_I = "\N{LATIN SMALL LETTER DOTLESS I}"


KELVIN = "\N{KELVIN SIGN}"


@pytest.fixture
def invitation(organization):
    invitation = InvitationFactory(organization=organization, email="invitee@example.com", role=OrgRole.MEMBER)
    InvitationProjectFactory(
        invitation=invitation, project=ProjectFactory(organization=organization, name="Production"), role="read_write"
    )
    InvitationProjectFactory(
        invitation=invitation, project=ProjectFactory(organization=organization, name="Analytics"), role="read_only"
    )
    return invitation


@pytest.fixture
def invitee(db):
    return UserFactory(email="invitee@example.com", name="Ivy Invitee")


def assert_refused(call, error, *, before):
    """Nothing changes and nothing is sent; a wrong account's attempt leaves only its audit row (#11.6)."""
    with pytest.raises(error):
        call()
    after = db_snapshot_without_refusals() if error is InvitationWrongAccountError else db_snapshot()
    assert after == before, "a refusal must change nothing"
    assert mail.outbox == []
    refusals = MembershipEvent.objects.filter(action=MembershipEvent.Action.REFUSED)
    assert refusals.count() == (1 if error is InvitationWrongAccountError else 0)


def test_a_wrong_accounts_attempt_is_audited_as_a_refused_write(invitation, stranger, organization):
    for attempt, call in (
        ("accept invitation", services.accept_invitation),
        ("decline invitation", services.decline_invitation),
    ):
        with pytest.raises(InvitationWrongAccountError):
            call(invitation, actor=stranger, ip="203.0.113.9")
        event = MembershipEvent.objects.filter(action=MembershipEvent.Action.REFUSED).latest("pk")
        assert (event.organization, event.actor, event.target_email) == (organization, stranger, invitation.email)
        assert event.detail == f"{attempt}: signed in as another account" and event.ip_address == "203.0.113.9"
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_accepting_joins_with_the_invited_role_and_project_access(invitation, invitee, owner, organization):
    result = services.accept_invitation(invitation, actor=invitee, ip="203.0.113.9")

    assert result.joined
    membership = Membership.objects.get(organization=organization, user=invitee)
    assert (membership.role, membership.invited_by) == (OrgRole.MEMBER, owner)
    grants = dict(ProjectMembership.objects.filter(user=invitee).values_list("project__name", "role"))
    assert grants == {"Production": ProjectRole.READ_WRITE, "Analytics": ProjectRole.READ_ONLY}
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == invitee and invitation.responded_at is not None
    event = MembershipEvent.objects.get(action=MembershipEvent.Action.INVITATION_ACCEPTED)
    assert (event.actor, event.target_email, event.new_role, event.ip_address) == (
        invitee,
        "invitee@example.com",
        OrgRole.MEMBER,
        "203.0.113.9",
    )


def test_an_owner_invitation_makes_an_owner(organization, invitee):
    invitation = InvitationFactory(organization=organization, email=invitee.email, owner=True)

    services.accept_invitation(invitation, actor=invitee)

    assert Membership.objects.get(organization=organization, user=invitee).role == OrgRole.OWNER


def test_the_inviter_receives_the_joined_email_once_the_worker_runs(invitation, invitee, owner):
    services.accept_invitation(invitation, actor=invitee)
    outbound = OutboundEmail.objects.get(kind=OutboundEmail.Kind.INVITATION_ACCEPTED)
    assert outbound.to_email == owner.email
    assert mail.outbox == []

    run_worker()

    [message] = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == "Ivy Invitee joined Acme Corp"
    assert "Analytics (Project Read-Only), Production (Project Read-Write)" in message.body
    assert "https://console.example.test/o/acme/members/" in message.body
    assert "token" not in str(outbound.context).lower()
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT


def test_names_are_escaped_in_the_joined_email(organization, owner):
    owner.name = "<b>Olivia</b>"
    owner.save()
    invitee = UserFactory(email="x@example.com", name="<script>alert(1)</script>")
    invitation = InvitationFactory(organization=organization, email=invitee.email)

    services.accept_invitation(invitation, actor=invitee)
    run_worker()

    html = mail.outbox[0].alternatives[0].content
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Olivia</b>" not in html and "&lt;b&gt;Olivia&lt;/b&gt;" in html


def test_an_inviter_who_left_the_organization_is_not_emailed(invitation, invitee, organization):
    other_owner = MembershipFactory(organization=organization, owner=True).user
    inviter = invitation.invited_by
    # Leaving through the service revokes the invitations one sent (#11.2); a membership can still vanish
    # without it (a database restore, an operator's fix), and then the inviter is still not emailed.
    Membership.objects.filter(organization=organization, user=inviter).delete()
    assert other_owner != inviter

    services.accept_invitation(invitation, actor=invitee)

    assert Membership.objects.filter(organization=organization, user=invitee).exists()
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.INVITATION_ACCEPTED).exists()


def test_the_invited_address_matches_case_insensitively(invitation):
    user = UserFactory(email="Invitee@EXAMPLE.com")

    services.accept_invitation(invitation, actor=user)

    assert Membership.objects.filter(organization=invitation.organization, user=user).exists()


def test_a_secondary_verified_address_counts(invitation):
    user = UserFactory(email="primary@example.com")
    EmailAddress.objects.create(user=user, email="invitee@example.com", verified=True, primary=False)

    assert services.accept_invitation(invitation, actor=user).joined


@pytest.mark.parametrize(
    ("held", "invited"),
    [
        (f"m{DOTLESS_I}ke@example.com", "mike@example.com"),
        ("mike@example.com", f"m{DOTLESS_I}ke@example.com"),
        (f"{KELVIN}ate@example.com", "kate@example.com"),
        ("strasse@example.com", "stra\N{LATIN SMALL LETTER SHARP S}e@example.com"),
        ("invitee@example.co", "invitee@example.com"),
    ],
)
def test_a_look_alike_address_is_another_account(organization, held, invited):
    invitation = InvitationFactory(organization=organization, email=invited)
    impostor = UserFactory(email=held)
    before = db_snapshot()

    assert not same_address(held, invited)
    assert_refused(
        lambda: services.accept_invitation(invitation, actor=impostor), InvitationWrongAccountError, before=before
    )


def test_an_unverified_address_is_not_enough(invitation):
    user = UserFactory(email="invitee@example.com", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    before = db_snapshot()

    assert_refused(
        lambda: services.accept_invitation(invitation, actor=user), InvitationWrongAccountError, before=before
    )


def test_someone_else_cannot_accept(invitation, stranger):
    before = db_snapshot()

    assert_refused(
        lambda: services.accept_invitation(invitation, actor=stranger), InvitationWrongAccountError, before=before
    )


def test_an_existing_member_keeps_their_role_and_the_invitation_closes(organization, member):
    invitation = InvitationFactory(organization=organization, email=member.email, owner=True)

    result = services.accept_invitation(invitation, actor=member)

    assert not result.joined
    assert Membership.objects.get(organization=organization, user=member).role == OrgRole.MEMBER
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize(
    ("trait", "error"),
    [("accepted", InvitationAlreadyUsedError), ("revoked", InvitationRevokedError)],
)
def test_a_closed_invitation_cannot_be_accepted(organization, invitee, trait, error):
    invitation = InvitationFactory(organization=organization, email=invitee.email, **{trait: True})
    before = db_snapshot()

    assert_refused(lambda: services.accept_invitation(invitation, actor=invitee), error, before=before)


def test_a_declined_invitation_cannot_be_accepted(organization, invitee):
    invitation = InvitationFactory(organization=organization, email=invitee.email, status=Invitation.Status.DECLINED)
    before = db_snapshot()

    assert_refused(
        lambda: services.accept_invitation(invitation, actor=invitee), InvitationDeclinedError, before=before
    )


def test_an_invitation_resent_since_the_link_was_checked_is_refused(invitation, invitee):
    checked = Invitation.objects.get(pk=invitation.pk)
    Invitation.objects.filter(pk=invitation.pk).update(nonce=new_nonce())
    before = db_snapshot()

    assert_refused(lambda: services.accept_invitation(checked, actor=invitee), InvitationSupersededError, before=before)


def test_accepting_at_the_expiry_limit_works_and_a_second_later_does_not(organization, invitee, monkeypatch):
    invitation = InvitationFactory(organization=organization, email=invitee.email)
    late = InvitationFactory(organization=organization, email="late@example.com")
    late_user = UserFactory(email="late@example.com")

    monkeypatch.setattr(invitation_token_generator, "_now", lambda: invitation.expires_at)
    assert services.accept_invitation(invitation, actor=invitee).joined

    monkeypatch.setattr(invitation_token_generator, "_now", lambda: late.expires_at + timedelta(seconds=1))
    before = db_snapshot()
    assert_refused(lambda: services.accept_invitation(late, actor=late_user), InvitationExpiredError, before=before)


def test_an_expired_factory_invitation_is_refused(organization, invitee):
    invitation = InvitationFactory(organization=organization, email=invitee.email, expired=True)
    before = db_snapshot()

    assert_refused(lambda: services.accept_invitation(invitation, actor=invitee), InvitationExpiredError, before=before)


def test_declining_closes_the_invitation_records_it_and_tells_the_inviter(invitation, owner):
    services.decline_invitation(invitation, actor=None, ip="198.51.100.1")

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED and invitation.responded_at is not None
    event = MembershipEvent.objects.get(action=MembershipEvent.Action.INVITATION_DECLINED)
    assert (event.actor, event.target_email, event.ip_address) == (None, "invitee@example.com", "198.51.100.1")
    assert not Membership.objects.filter(user__email="invitee@example.com").exists()
    run_worker()
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == "invitee@example.com declined your invitation to Acme Corp"


def test_the_invitee_signed_in_can_decline(invitation, invitee):
    services.decline_invitation(invitation, actor=invitee)

    assert MembershipEvent.objects.get(action=MembershipEvent.Action.INVITATION_DECLINED).actor == invitee


def test_another_account_cannot_decline(invitation, stranger):
    before = db_snapshot()

    assert_refused(
        lambda: services.decline_invitation(invitation, actor=stranger), InvitationWrongAccountError, before=before
    )


def test_a_revoked_invitation_cannot_be_declined(organization):
    invitation = InvitationFactory(organization=organization, revoked=True)
    before = db_snapshot()

    assert_refused(lambda: services.decline_invitation(invitation, actor=None), InvitationRevokedError, before=before)


def _fresh(invitation: Invitation) -> Invitation:
    return Invitation.objects.get(pk=invitation.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_link_accepted_twice_at_once_makes_one_membership(organization):
    for round_ in range(5):
        invitation = InvitationFactory(organization=organization, email=f"racer{round_}@example.com")
        user = UserFactory(email=invitation.email)

        def accept(i=invitation, u=user):
            return services.accept_invitation(_fresh(i), actor=u)

        results = run_together(accept, accept)

        assert sorted(type(r).__name__ for r in results) == ["AcceptResult", "InvitationAlreadyUsedError"], results
        assert Membership.objects.filter(organization=organization, user=user).count() == 1
        assert (
            OutboundEmail.objects.filter(kind=OutboundEmail.Kind.INVITATION_ACCEPTED, invitation=invitation).count()
            == 1
        )
        assert MembershipEvent.objects.filter(action="invitation_accepted", target_email=user.email).count() == 1


def _holding_the_lock(action, *, locked: threading.Event, hold: float = 0.5):
    """Run ``action`` in a transaction that stays open ``hold`` seconds after it, keeping its row locks."""

    def run():
        with transaction.atomic():
            result = action()
            locked.set()
            time.sleep(hold)
        return result

    return run


def _after(event: threading.Event, action):
    def run():
        assert event.wait(timeout=10)
        return action()

    return run


def _revoke(invitation: Invitation, actor):
    return services.revoke_invitation(_fresh(invitation), actor=actor)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_accept_waiting_on_a_revoke_makes_no_membership(organization, owner):
    invitation = InvitationFactory(organization=organization, email="racer@example.com")
    user = UserFactory(email=invitation.email)
    checked = _fresh(invitation)  # the accept checked the link before the revoke happened
    locked = threading.Event()

    results = run_together(
        _holding_the_lock(lambda: _revoke(invitation, owner), locked=locked),
        _after(locked, lambda: services.accept_invitation(checked, actor=user)),
    )

    assert [type(r).__name__ for r in results] == ["Invitation", "InvitationRevokedError"], results
    assert not Membership.objects.filter(organization=organization, user=user).exists()
    assert not ProjectMembership.objects.filter(user=user).exists()
    assert _fresh(invitation).status == Invitation.Status.REVOKED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_revoke_waiting_on_an_accept_leaves_the_member_in(organization, owner):
    invitation = InvitationFactory(organization=organization, email="racer@example.com")
    user = UserFactory(email=invitation.email)
    locked = threading.Event()

    results = run_together(
        _holding_the_lock(lambda: services.accept_invitation(_fresh(invitation), actor=user), locked=locked),
        _after(locked, lambda: _revoke(invitation, owner)),
    )

    assert sorted(type(r).__name__ for r in results) == ["AcceptResult", "InvitationNotPendingError"], results
    assert Membership.objects.filter(organization=organization, user=user).exists()
    assert _fresh(invitation).status == Invitation.Status.ACCEPTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accept_racing_revoke_never_leaves_a_membership_after_the_revoke(organization, owner):
    for round_ in range(5):
        invitation = InvitationFactory(organization=organization, email=f"racer{round_}@example.com")
        user = UserFactory(email=invitation.email)
        checked = _fresh(invitation)
        results = run_together(
            lambda c=checked, u=user: services.accept_invitation(c, actor=u),
            lambda i=invitation: _revoke(i, owner),
        )

        status = _fresh(invitation).status
        joined = Membership.objects.filter(organization=organization, user=user).exists()
        assert (status, joined) in {(Invitation.Status.ACCEPTED, True), (Invitation.Status.REVOKED, False)}, results
