"""What each notification email says: names, roles, project access, the link built at send time,
escaping in HTML and plain text, one-line subjects; and the builders' contexts hold no token."""

from __future__ import annotations

import pytest
from django.core import mail

from members import services
from members.emails import invitation_answered_email, invitation_email, project_grants, render_email
from members.models import Membership, OutboundEmail
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory, ProjectFactory
from tests.helpers import accept_token, html_part, run_worker

EVIL = '<img src=x onerror="alert(1)"> & Co'


def invite(organization, owner, email="new@example.com", **kwargs):
    result = services.invite_members(
        organization, actor=owner, emails=[email], role=kwargs.pop("role", "member"), **kwargs
    )
    return result.invited[0]


def test_invitation_email_names_the_organization_inviter_role_projects_link_and_expiry(organization, owner, settings):
    project = ProjectFactory(organization=organization, name="Warehouse")
    invitation = invite(organization, owner, role="member", project_roles={project: "read_only"})

    run_worker()

    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    assert message.subject == "Olivia Owner (owner@example.com) invited you to join Acme Corp on OrgConsole"
    html = html_part(message)
    expiry = invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    for body in (message.body, html):
        assert "Acme Corp" in body and "Olivia Owner" in body and "Organization Member" in body
        assert "Warehouse: Project Read-Only" in body
        assert expiry in body
        token = accept_token(body, settings.SITE_URL)
        assert invitation_token_generator.check_token(invitation, token)
    assert f'href="{settings.SITE_URL}/' in html
    stored = str(list(OutboundEmail.objects.values()))
    assert token not in stored and token.split(":")[-1] not in stored  # no token in the database


def test_role_changed_email(organization, owner, member):
    services.change_member_role(Membership.objects.get(user=member), actor=owner, role="owner")
    run_worker()
    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == "Your role in Acme Corp is now Organization Owner"
    for body in (message.body, html_part(message)):
        assert "Olivia Owner" in body and "from Organization Member to" in body.replace("<strong>", "")


def test_invitation_revoked_email(organization, owner):
    invitation = InvitationFactory(organization=organization, email="gone@example.com")
    services.revoke_invitation(invitation, actor=owner)
    run_worker()
    [message] = mail.outbox
    assert message.to == ["gone@example.com"]
    assert message.subject == "Your invitation to Acme Corp was revoked"
    assert "no longer works" in message.body and "no longer works" in html_part(message)


def test_removed_email(organization, owner, member):
    services.remove_member(Membership.objects.get(user=member), actor=owner)
    run_worker()
    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == "You were removed from Acme Corp"
    assert "Olivia Owner (owner@example.com) removed you" in message.body


def test_user_supplied_names_are_escaped_in_html_and_plain_in_text(organization, owner, member):
    organization.name = EVIL
    organization.save()
    owner.name = "Eve <b>Evil</b>"
    owner.save()
    services.change_member_role(Membership.objects.get(user=member), actor=owner, role="owner")
    invite(organization, owner)
    run_worker()

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        html = html_part(message)
        assert EVIL not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in html
        assert "<b>Evil</b>" not in html and "Eve &lt;b&gt;Evil&lt;/b&gt;" in html
        assert EVIL in message.body and "&lt;" not in message.body and "&amp;" not in message.body
        assert EVIL in message.subject and "\n" not in message.subject


def test_subjects_are_one_line_even_with_new_lines_in_names(organization, owner):
    organization.name = "Acme\nInjected: header"
    organization.save()
    invite(organization, owner)
    run_worker()
    assert (
        mail.outbox[0].subject
        == "Olivia Owner (owner@example.com) invited you to join Acme Injected: header on OrgConsole"
    )


@pytest.mark.parametrize(
    "kind", ["invitation", "role_changed", "invitation_revoked", "removed", "access_changed", "member_left"]
)
def test_every_kind_of_ours_renders_text_and_html(kind, organization, owner):
    if kind == "invitation":
        invitation = InvitationFactory(organization=organization)
        outbound = OutboundEmail(kind=kind, to_email="x@example.com", organization=organization, invitation=invitation)
        outbound.context = {"organization_name": "Acme Corp", "links": {"accept_url": "invitation"}}
    else:
        outbound = OutboundEmail(kind=kind, to_email="x@example.com", context={"organization_name": "Acme Corp"})
    message = render_email(outbound)
    assert "Acme Corp" in message.subject and message.body.strip() and html_part(message).strip()


def test_access_changed_email_escapes_project_and_actor_names_in_html(organization, owner, member):
    owner.name = "Eve <b>Evil</b>"
    owner.save()
    project = ProjectFactory(organization=organization, name="R&D <i>lab</i>")
    services.set_project_access(Membership.objects.get(user=member), actor=owner, project_roles={project: "admin"})
    run_worker()

    [message] = mail.outbox
    html = html_part(message)
    assert "<i>lab</i>" not in html and "R&amp;D &lt;i&gt;lab&lt;/i&gt;: added as" in html
    assert "Eve &lt;b&gt;Evil&lt;/b&gt;" in html and "(owner@example.com)" in html
    assert "R&D <i>lab</i>: added as Project Admin" in message.body


# --- the builders: plain values for the templates, never a token ---------------------------------------


def test_the_invitation_builder_names_its_nonce_outside_the_template_context(organization, owner):
    project = ProjectFactory(organization=organization, name="Warehouse")
    invitation = invite(organization, owner, project_roles={project: "read_only"})
    notification = invitation_email(invitation, inviter=owner)
    assert (notification.kind, notification.to_email, notification.invitation) == (
        "invitation",
        invitation.email,
        invitation,
    )
    assert notification.invitation_nonce == invitation.nonce
    assert invitation.nonce not in str(notification.context)
    assert notification.context["links"] == {"accept_url": "invitation"}  # built at send time
    assert notification.context["projects"] == [{"project": "Warehouse", "role": "Project Read-Only"}]


def test_project_grants_are_listed_by_project_name(organization, owner):
    zeta, alpha = (
        ProjectFactory(organization=organization, name="Zeta"),
        ProjectFactory(organization=organization, name="Alpha"),
    )
    invitation = invite(organization, owner, project_roles={zeta: "admin", alpha: "read_write"})
    assert project_grants(invitation) == [
        {"project": "Alpha", "role": "Project Read-Write"},
        {"project": "Zeta", "role": "Project Admin"},
    ]


def test_the_answered_builder_writes_to_the_inviter_about_the_invitee(organization, owner, stranger):
    invitation = InvitationFactory(organization=organization, invited_by=owner, email=stranger.email)
    notification = invitation_answered_email(
        invitation, kind=OutboundEmail.Kind.INVITATION_DECLINED, invitee=stranger, inviter=owner
    )
    assert (notification.kind, notification.to_email) == ("invitation_declined", owner.email)
    assert notification.context["invitee_name"] == stranger.name
    assert notification.context["members_path"] == "/o/acme/members/"
    assert notification.invitation_nonce == ""  # only the invitation email itself is superseded by a resend


# --- #11.4: every email names the person who acted by their address as well as their name ---------------------------


def test_every_email_names_the_actor_by_address_too(organization, owner, member):
    invitation = invite(organization, owner, email="guest@example.com")
    run_worker()  # sent before it is revoked (an invitation email still queued at revocation is cancelled)
    services.revoke_invitation(invitation, actor=owner)
    membership = Membership.objects.get(user=member)
    services.change_member_role(membership, actor=owner, role="owner")
    services.change_member_role(membership, actor=owner, role="member")
    services.remove_member(membership, actor=owner)
    run_worker()

    kinds = [message.tags[0] for message in mail.outbox]
    assert kinds == ["invitation", "invitation_revoked", "role_changed", "role_changed", "removed"]
    for message in mail.outbox:
        for body in (message.body, html_part(message)):
            assert "Olivia Owner" in body and "(owner@example.com)" in body, (message.tags, body)
    assert "(owner@example.com)" in mail.outbox[0].subject


def test_invitation_emails_reply_to_the_inviters_verified_address(organization, owner):
    invite(organization, owner)
    run_worker()
    [message] = mail.outbox
    assert message.reply_to == ["owner@example.com"]
    assert "reply to this email" in message.body


def test_without_a_verified_address_an_invitation_has_no_reply_to(organization, owner):
    owner.emailaddress_set.update(verified=False)
    invite(organization, owner)
    run_worker()
    [message] = mail.outbox
    assert message.reply_to == [] and "reply to this email" not in message.body


def test_a_resent_invitation_says_it_replaces_the_earlier_one_and_replies_go_to_who_resent_it(
    organization, owner, member, settings
):
    invitation = invite(organization, owner)
    run_worker()
    co_owner = Membership.objects.get(user=member)
    co_owner.role = "owner"
    co_owner.save()
    services.resend_invitation(invitation, actor=member)
    run_worker()

    [first, resent] = mail.outbox
    assert "replaces" not in first.body and first.reply_to == ["owner@example.com"]
    assert resent.subject.startswith("New link: Max Member (member@example.com) invited you")
    assert resent.reply_to == ["member@example.com"]
    for body in (resent.body, html_part(resent)):
        assert "replaces the one sent to you earlier" in body and "no longer works" in body
    invitation.refresh_from_db()
    assert invitation_token_generator.check_token(invitation, accept_token(resent.body, settings.SITE_URL))


def test_an_invitation_with_a_name_greets_the_invitee_by_it(organization, owner):
    services.invite_members(
        organization, actor=owner, emails=["dave@example.com"], role="member", names={"dave@example.com": EVIL}
    )
    run_worker()
    [message] = mail.outbox
    assert message.body.startswith(f"Hello {EVIL},")
    assert "Hello &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co," in html_part(message)
