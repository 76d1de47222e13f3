"""The four Members page emails and their delivery: content, escaping, one email per change, none
on rollback, retries after transient provider failures, permanent failures, no email twice, and
recovery of an email whose task was lost."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import resolve
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from members import services
from members.emails import render_email
from members.models import Invitation, Membership, OutboundEmail
from members.tasks import backoff, deliver_email
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory
from tests.helpers import make_retries_due, run_worker

EVIL = '<img src=x onerror="alert(1)"> & Co'


def html_part(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def invite(organization, owner, email="new@example.com", **kwargs):
    result = services.invite_members(
        organization, actor=owner, emails=[email], role=kwargs.pop("role", "member"), **kwargs
    )
    return result.invited[0]


# --- content -----------------------------------------------------------------------------------------


def test_invitation_email_names_the_organization_inviter_role_projects_link_and_expiry(organization, owner, settings):
    project = ProjectFactory(organization=organization, name="Warehouse")
    invitation = invite(organization, owner, role="owner", project_roles={project: "read_only"})

    run_worker()

    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    assert message.subject == "Olivia Owner invited you to join Acme Corp on OrgConsole"
    html = html_part(message)
    expiry = invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    for body in (message.body, html):
        assert "Acme Corp" in body and "Olivia Owner" in body and "Organization Owner" in body
        assert "Warehouse: Project Read-Only" in body
        assert expiry in body
        token = accept_token(body, settings.SITE_URL)
        assert invitation_token_generator.check_token(invitation, token)
    assert f'href="{settings.SITE_URL}/' in html
    stored = str(list(OutboundEmail.objects.values()))
    assert token not in stored and token.split(":")[-1] not in stored  # no token in the database


def accept_token(body: str, site_url: str) -> str:
    """The token of the acceptance link in an email body (the link is built from SITE_URL)."""
    match = re.search(re.escape(site_url) + r"(/[^\s\"<]+)", body)
    assert match, body
    resolved = resolve(match.group(1))
    assert resolved.view_name == "members:invitation_open"
    return resolved.kwargs["token"]


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
    assert "Olivia Owner removed you" in message.body


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
    assert mail.outbox[0].subject == "Olivia Owner invited you to join Acme Injected: header on OrgConsole"


@pytest.mark.parametrize("kind", ["invitation", "role_changed", "invitation_revoked", "removed"])
def test_every_kind_of_ours_renders_text_and_html(kind, organization, owner):
    if kind == "invitation":
        invitation = InvitationFactory(organization=organization)
        outbound = OutboundEmail(kind=kind, to_email="x@example.com", organization=organization, invitation=invitation)
        outbound.context = {"organization_name": "Acme Corp", "nonce": invitation.nonce}
    else:
        outbound = OutboundEmail(kind=kind, to_email="x@example.com", context={"organization_name": "Acme Corp"})
    message = render_email(outbound)
    assert "Acme Corp" in message.subject and message.body.strip() and html_part(message).strip()


# --- exactly one email per change, and none on rollback ------------------------------------------


def test_one_email_per_change_and_none_twice(organization, owner, member):
    invitation = invite(organization, owner)
    services.change_member_role(Membership.objects.get(user=member), actor=owner, role="owner")
    run_worker()
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == [member.email, invitation.email]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}

    # A duplicate task for an email already sent sends nothing.
    for outbound in OutboundEmail.objects.all():
        deliver_email.enqueue(outbound.pk)
    run_worker()
    assert len(mail.outbox) == 2


def test_rolled_back_change_sends_nothing(organization, owner, member):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.change_member_role(Membership.objects.get(user=member), actor=owner, role="owner")
        raise RuntimeError("boom")
    run_worker()
    assert mail.outbox == [] and not OutboundEmail.objects.exists() and not DBTaskResult.objects.exists()


def test_nothing_is_sent_until_the_worker_runs_and_then_exactly_once(organization, owner):
    invite(organization, owner)
    assert mail.outbox == []  # committed with the change, delivered by the worker
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker()
    assert len(mail.outbox) == 1


def test_resending_before_delivery_sends_only_the_fresh_link(organization, owner, settings):
    invitation = invite(organization, owner)
    services.resend_invitation(invitation, actor=owner)
    run_worker()
    invitation.refresh_from_db()
    [message] = mail.outbox
    assert invitation_token_generator.check_token(invitation, accept_token(message.body, settings.SITE_URL))
    assert sorted(OutboundEmail.objects.values_list("status", flat=True)) == ["cancelled", "sent"]


def test_revoking_before_delivery_cancels_the_invitation_email(organization, owner):
    invitation = invite(organization, owner)
    services.revoke_invitation(invitation, actor=owner)
    run_worker()
    assert [m.subject for m in mail.outbox] == ["Your invitation to Acme Corp was revoked"]


def test_removal_emails_the_user_and_each_invitee_of_theirs(organization, owner):
    leaving = MembershipFactory(organization=organization, owner=True, user__email="leaver@example.com")
    InvitationFactory(organization=organization, invited_by=leaving.user, email="i1@example.com")
    InvitationFactory(organization=organization, invited_by=leaving.user, email="i2@example.com")
    services.remove_member(leaving, actor=owner)
    run_worker()
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("i1@example.com", "Your invitation to Acme Corp was revoked"),
        ("i2@example.com", "Your invitation to Acme Corp was revoked"),
        ("leaver@example.com", "You were removed from Acme Corp"),
    ]


# --- transient and permanent provider failures -------------------------------------------------------


def failing_then_working(errors: list[Exception]):
    """The provider edge: raise each error in turn, then behave normally."""
    original = AnymailTestBackend.post_to_esp

    def post_to_esp(self, payload, message):
        if errors:
            raise errors.pop(0)
        return original(self, payload, message)

    return mock.patch.object(AnymailTestBackend, "post_to_esp", post_to_esp)


def test_a_transient_failure_is_retried_with_backoff_then_delivered_once(organization, owner):
    invitation = invite(organization, owner)
    with failing_then_working([AnymailAPIError("503 from the provider"), ConnectionRefusedError("down")]):
        run_worker()
        outbound = OutboundEmail.objects.get()
        assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.QUEUED, 1)
        assert "503 from the provider" in outbound.last_error
        retry = DBTaskResult.objects.get(status="READY")
        assert retry.run_after > timezone.now() + timedelta(seconds=25)  # backoff, not a hot loop
        run_worker()  # not due yet: nothing happens
        assert OutboundEmail.objects.get().attempts == 1

        make_retries_due()
        run_worker()
        assert OutboundEmail.objects.get().attempts == 2  # second transient failure
        make_retries_due()
        run_worker()

    outbound = OutboundEmail.objects.get()
    assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.SENT, 3)
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.delivery_status == Invitation.Delivery.SENT


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(50) == timedelta(hours=1)


def test_a_permanent_refusal_marks_the_email_and_invitation_failed(organization, owner):
    invitation = invite(organization, owner)
    with failing_then_working([AnymailRecipientsRefused("refused")]):
        run_worker()
    outbound = OutboundEmail.objects.get()
    assert outbound.status == OutboundEmail.Status.FAILED and "refused" in outbound.last_error
    assert not DBTaskResult.objects.filter(status="READY").exists()
    invitation.refresh_from_db()
    assert invitation.delivery_status == Invitation.Delivery.FAILED


def test_giving_up_after_the_last_attempt(organization, owner, monkeypatch):
    monkeypatch.setattr("members.tasks.MAX_ATTEMPTS", 2)
    invite(organization, owner)
    with failing_then_working([AnymailAPIError("down")] * 5):
        run_worker()
        make_retries_due()
        run_worker()
    outbound = OutboundEmail.objects.get()
    assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.FAILED, 2)
    assert mail.outbox == []


def test_a_worker_killed_mid_send_delivers_later_once(organization, owner):
    """The task row was claimed (RUNNING) and the worker died: the email is still queued, and
    `manage.py requeue_emails` schedules it again once it is overdue."""
    invite(organization, owner)
    DBTaskResult.objects.update(status="RUNNING")  # what a killed worker leaves behind
    run_worker()
    assert mail.outbox == []

    call_command("requeue_emails", verbosity=0)  # not overdue yet: left alone
    run_worker()
    assert mail.outbox == []

    OutboundEmail.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1))
    call_command("requeue_emails", verbosity=0)
    run_worker()
    call_command("requeue_emails", verbosity=0)
    run_worker()
    assert len(mail.outbox) == 1


def test_provider_message_id_is_recorded_for_tracking(organization, owner):
    invite(organization, owner)
    invite(organization, owner, email="second@example.com")
    run_worker()
    ids = set(OutboundEmail.objects.values_list("provider_message_id", flat=True))
    assert ids == {"0", "1"}  # anymail's test backend numbers messages from 0


def test_a_resend_kills_the_link_of_the_earlier_email(organization, owner, settings):
    invitation = invite(organization, owner)
    run_worker()
    old_token = accept_token(mail.outbox[0].body, settings.SITE_URL)
    services.resend_invitation(invitation, actor=owner)
    run_worker()
    invitation.refresh_from_db()
    new_token = accept_token(mail.outbox[1].body, settings.SITE_URL)
    assert not invitation_token_generator.check_token(invitation, old_token)
    assert invitation_token_generator.check_token(invitation, new_token)
    assert "expires on " + invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC") in mail.outbox[1].body


def test_a_revoke_kills_the_link_at_once(organization, owner, settings):
    invitation = invite(organization, owner)
    run_worker()
    token = accept_token(mail.outbox[0].body, settings.SITE_URL)
    services.revoke_invitation(invitation, actor=owner)
    invitation.refresh_from_db()
    assert not invitation_token_generator.check_token(invitation, token)
