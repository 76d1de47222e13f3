"""Staff admin for organizations, projects, memberships and invitations: every write goes through the services
with the staff user as actor; refusals are error messages; invitations are never created or edited by hand and
their nonce never shows; an organization's page does not inline its members."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from members.models import Invitation, Membership, MembershipEvent, OutboundEmail, Project
from tests.conftest import client_for
from tests.factories import InvitationFactory, OrganizationFactory, ProjectFactory, UserFactory
from tests.helpers import db_snapshot


@pytest.fixture
def superuser(db):
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(superuser):
    return client_for(superuser)


def change_url(model: str, pk: int) -> str:
    return reverse(f"admin:members_{model}_change", args=[pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_demoting_the_last_owner_in_the_admin_is_refused_with_a_message(staff_client, organization, owner):
    membership = Membership.objects.get(user=owner)
    before = db_snapshot()

    response = staff_client.post(change_url("membership", membership.pk), {"role": "member"})

    assert response.status_code == 302 and response["Location"] == change_url("membership", membership.pk)
    assert any("at least one Organization Owner" in text for text in messages_of(response)), messages_of(response)
    assert db_snapshot() == before


def test_deleting_the_last_owner_in_the_admin_is_refused_with_a_message(staff_client, organization, owner):
    membership = Membership.objects.get(user=owner)
    before = db_snapshot()

    response = staff_client.post(reverse("admin:members_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert response.status_code == 302 and response["Location"] == change_url("membership", membership.pk)
    assert any("at least one Organization Owner" in text for text in messages_of(response))
    assert db_snapshot() == before


def test_a_role_change_in_the_admin_is_audited_with_the_staff_user_and_emailed(
    staff_client, superuser, organization, member
):
    membership = Membership.objects.get(user=member)

    response = staff_client.post(change_url("membership", membership.pk), {"role": "owner"})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "owner"
    event = MembershipEvent.objects.get(action="role_changed")
    assert (event.actor, event.target_email, event.old_role, event.new_role) == (
        superuser,
        member.email,
        "member",
        "owner",
    )
    assert OutboundEmail.objects.filter(kind="role_changed", to_email=member.email).exists()


def test_removing_a_member_in_the_admin_goes_through_the_service(staff_client, superuser, organization, owner, member):
    Membership.objects.filter(user=member).update(role="owner")
    sent = InvitationFactory(organization=organization, invited_by=member, email="friend@example.com")
    membership = Membership.objects.get(user=member)

    response = staff_client.post(reverse("admin:members_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert MembershipEvent.objects.get(action="member_removed").actor == superuser
    assert OutboundEmail.objects.filter(kind="removed", to_email=member.email).exists()
    sent.refresh_from_db()
    assert sent.status == Invitation.Status.REVOKED


@pytest.mark.parametrize("model", ["membership", "invitation", "organization", "projectmembership"])
def test_rows_the_console_creates_cannot_be_added_in_the_admin(staff_client, model):
    assert staff_client.get(reverse(f"admin:members_{model}_add")).status_code == 403


def test_the_invitation_page_never_shows_the_nonce_and_cannot_edit(staff_client, organization, owner):
    invitation = InvitationFactory(organization=organization, invited_by=owner, email="new@example.com")
    before = db_snapshot()

    page = staff_client.get(change_url("invitation", invitation.pk)).content.decode()
    response = staff_client.post(
        change_url("invitation", invitation.pk), {"email": "attacker@example.com", "status": "pending", "role": "owner"}
    )

    assert invitation.nonce not in page and ">Nonce" not in page
    assert 'name="email"' not in page
    assert response.status_code == 403
    assert db_snapshot() == before


def test_revoking_invitations_in_the_admin_goes_through_the_service(staff_client, superuser, organization, owner):
    invitation = InvitationFactory(organization=organization, invited_by=owner, email="new@example.com")
    old_nonce = invitation.nonce

    response = staff_client.post(
        reverse("admin:members_invitation_changelist"), {"action": "revoke", "_selected_action": [invitation.pk]}
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED and invitation.nonce != old_nonce
    assert MembershipEvent.objects.get(action="invitation_revoked").actor == superuser
    assert OutboundEmail.objects.filter(kind="invitation_revoked", to_email="new@example.com").exists()


def test_resending_an_invitation_in_the_admin_rotates_its_link_and_sends_it(
    staff_client, superuser, organization, owner
):
    invitation = InvitationFactory(organization=organization, invited_by=owner, email="new@example.com")
    old_nonce = invitation.nonce

    staff_client.post(
        reverse("admin:members_invitation_changelist"), {"action": "resend", "_selected_action": [invitation.pk]}
    )

    invitation.refresh_from_db()
    assert invitation.nonce != old_nonce
    assert MembershipEvent.objects.get(action="invitation_resent").actor == superuser
    assert OutboundEmail.objects.filter(kind="invitation", to_email="new@example.com").exists()


def test_revoking_an_invitation_that_is_no_longer_pending_is_a_message_not_a_500(staff_client, organization, owner):
    invitation = InvitationFactory(organization=organization, invited_by=owner, status="accepted")
    before = db_snapshot()

    response = staff_client.post(
        reverse("admin:members_invitation_changelist"), {"action": "resend", "_selected_action": [invitation.pk]}
    )

    assert response.status_code == 302
    assert any("no longer pending" in text for text in messages_of(response))
    assert db_snapshot() == before


def test_the_organization_page_links_to_its_memberships_instead_of_listing_them(
    staff_client, organization, member, other_owner
):
    page = staff_client.get(change_url("organization", organization.pk)).content.decode()

    assert "memberships-TOTAL_FORMS" not in page and "Max Member" not in page
    link = reverse("admin:members_membership_changelist") + f"?organization__id__exact={organization.pk}"
    assert link.replace("&", "&amp;") in page or link in page
    listing = staff_client.get(link).content.decode()
    assert "Max Member" in listing and "Otto Other" not in listing


def test_renaming_an_organization_in_the_admin_goes_through_the_service(staff_client, superuser, organization):
    data = {"name": "Acme Renamed", "billing_email": "", "plan_name": "Enterprise", "billing_address": ""}
    data |= {"projects-TOTAL_FORMS": "0", "projects-INITIAL_FORMS": "0"}

    response = staff_client.post(change_url("organization", organization.pk), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    organization.refresh_from_db()
    assert organization.name == "Acme Renamed" and organization.slug == "acme"
    assert MembershipEvent.objects.get(action="settings_changed").actor == superuser
    assert MembershipEvent.objects.get(action="billing_changed").actor == superuser


def test_a_duplicate_project_name_in_the_admin_is_a_message_not_a_500(staff_client, organization):
    ProjectFactory(organization=organization, name="Production")
    project = ProjectFactory(organization=organization, name="Staging")
    before = db_snapshot()

    response = staff_client.post(change_url("project", project.pk), {"name": "production"})

    assert response.status_code == 302
    assert any("already exists" in text for text in messages_of(response))
    assert db_snapshot() == before


def test_creating_a_project_in_the_admin_goes_through_the_service(staff_client, superuser, organization):
    response = staff_client.post(reverse("admin:members_project_add"), {"organization": organization.pk, "name": "Ops"})

    assert response.status_code == 302
    assert Project.objects.filter(organization=organization, name="Ops").exists()
    assert MembershipEvent.objects.get(action="project_created").actor == superuser


def test_foreign_keys_to_organizations_use_an_autocomplete_widget(staff_client):
    for n in range(5):
        OrganizationFactory(name=f"Org number {n}", slug=f"org-{n}")

    page = staff_client.get(reverse("admin:members_project_add")).content.decode()

    assert "admin-autocomplete" in page
    assert "Org number 3" not in page  # no <option> per organization


def test_the_audit_log_shows_request_id_and_reason_without_listing_every_organization(staff_client, organization):
    from members.models import MembershipEvent

    OrganizationFactory(name="Unrelated Holdings", slug="unrelated")
    MembershipEvent.objects.create(
        organization=organization,
        organization_name="Acme Corp",
        action="invitation_revoked",
        reason="inviter_left",
        request_id="req-abc123",
    )

    page = staff_client.get(reverse("admin:members_membershipevent_changelist")).content.decode()
    filtered = staff_client.get(
        reverse("admin:members_membershipevent_changelist") + f"?organization__id__exact={organization.pk}"
    )

    assert "req-abc123" in page and "The inviter left the organization" in page
    assert "Unrelated Holdings" not in page
    assert filtered.status_code == 200 and "req-abc123" in filtered.content.decode()


def test_revoking_in_the_admin_past_the_address_email_cap_is_an_error_message(
    staff_client, organization, owner, settings
):
    from members import services

    [invitation] = services.invite_members(organization, actor=owner, emails=["t@example.com"], role="member").invited
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 1
    before = db_snapshot()

    response = staff_client.post(
        reverse("admin:members_invitation_changelist"), {"action": "revoke", "_selected_action": [invitation.pk]}
    )

    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("t@example.com" in text and "Nothing was changed" in text for text in texts)
    assert db_snapshot() == before
