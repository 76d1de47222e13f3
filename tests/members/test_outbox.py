"""How notification emails travel: one email per change, none on rollback, retries after transient
provider failures, permanent failures, no email twice, a superseded invitation email cancelled, and
recovery of an email whose task was lost."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from members import services
from members.models import Invitation, Membership, OutboundEmail
from members.outbox import backoff, deliver_email, record_delivery
from members.tokens import invitation_token_generator
from tests.factories import InvitationFactory, MembershipFactory
from tests.helpers import accept_token, make_retries_due, run_worker


def invite(organization, owner, email="new@example.com", **kwargs):
    result = services.invite_members(
        organization, actor=owner, emails=[email], role=kwargs.pop("role", "member"), **kwargs
    )
    return result.invited[0]


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
    monkeypatch.setattr("members.outbox.MAX_ATTEMPTS", 2)
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


# --- which invitation email speaks for its invitation ------------------------------------------------


def test_a_resend_or_revoke_supersedes_the_earlier_invitation_email(organization, owner):
    first = invite(organization, owner)
    second = invite(organization, owner, email="second@example.com")
    services.resend_invitation(first, actor=owner)
    services.revoke_invitation(second, actor=owner)
    emails = OutboundEmail.objects.select_related("invitation").order_by("pk")
    assert [(e.to_email, e.kind, e.is_superseded()) for e in emails] == [
        ("new@example.com", "invitation", True),
        ("second@example.com", "invitation", True),
        ("new@example.com", "invitation", False),
        ("second@example.com", "invitation_revoked", False),  # only invitation emails are ever superseded
    ]


def test_an_invitation_email_whose_invitation_was_deleted_is_superseded_and_cancelled(organization, owner):
    invite(organization, owner).delete()
    assert OutboundEmail.objects.get().is_superseded()
    run_worker()
    assert mail.outbox == [] and OutboundEmail.objects.get().status == OutboundEmail.Status.CANCELLED


def test_a_superseded_email_does_not_record_a_delivery_status(organization, owner):
    invitation = invite(organization, owner)
    old = OutboundEmail.objects.get()
    services.resend_invitation(invitation, actor=owner)
    old.refresh_from_db()
    record_delivery(old, delivery=Invitation.Delivery.BOUNCED)
    invitation.refresh_from_db()
    assert invitation.delivery_status == Invitation.Delivery.QUEUED


def test_a_task_queued_under_the_old_task_path_is_still_delivered(organization, owner, member):
    """Rows queued before the outbox moved name ``members.tasks.deliver_email``; the worker still runs them."""
    assert import_string("members.tasks.deliver_email") is deliver_email
    # One email, one deliver_email task (a bulk invite queues one deliver_emails task instead).
    services.change_member_role(Membership.objects.get(user=member), actor=owner, role="owner")
    DBTaskResult.objects.update(task_path="members.tasks.deliver_email")
    run_worker()
    assert len(mail.outbox) == 1 and OutboundEmail.objects.get().status == OutboundEmail.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_an_invitation_emails_nonce_out_of_its_template_context():
    before, after = ("members", "0002_cache_table"), ("members", "0003_nonce_api_scim_audit_sort_keys")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old_apps = executor.loader.project_state([before]).apps
    queued = old_apps.get_model("members", "OutboundEmail").objects.create(
        kind="invitation", to_email="new@example.com", context={"organization_name": "Acme Corp", "nonce": "n-1"}
    )
    other = old_apps.get_model("members", "OutboundEmail").objects.create(
        kind="role_changed", to_email="member@example.com", context={"organization_name": "Acme Corp"}
    )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        new_model = executor.loader.project_state([after]).apps.get_model("members", "OutboundEmail")
        moved, untouched = new_model.objects.get(pk=queued.pk), new_model.objects.get(pk=other.pk)
        assert moved.invitation_nonce == "n-1"
        assert moved.context == {"organization_name": "Acme Corp", "links": {"accept_url": "invitation"}}
        assert (untouched.invitation_nonce, untouched.context) == ("", {"organization_name": "Acme Corp"})
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_bulk_invite_is_one_task_that_sends_each_email_once(organization, owner):
    emails = [f"batch{n}@example.com" for n in range(5)]
    services.invite_members(organization, actor=owner, emails=emails, role="member")
    assert DBTaskResult.objects.count() == 1
    run_worker()
    run_worker()
    assert sorted(message.to[0] for message in mail.outbox) == emails
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}
    assert set(Invitation.objects.values_list("delivery_status", flat=True)) == {Invitation.Delivery.SENT}


def test_an_email_a_batch_did_not_reach_is_swept_and_sent_once(organization, owner):
    """A worker killed mid-batch: the emails it had not sent are still queued, and the sweep sends them."""
    services.invite_members(organization, actor=owner, emails=["a@example.com", "b@example.com"], role="member")
    first = OutboundEmail.objects.order_by("pk").first()
    deliver_email.call(first.pk)  # the batch got this far, then the process died (its task row stays RUNNING)
    DBTaskResult.objects.update(status="RUNNING")
    OutboundEmail.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1))
    call_command("requeue_emails")
    run_worker()
    assert sorted(message.to[0] for message in mail.outbox) == ["a@example.com", "b@example.com"]


@pytest.mark.postgres
def test_a_batch_leaves_the_session_committing_synchronously_again(organization, owner):
    """The batch turns synchronous_commit off for its deliveries only: the worker's own bookkeeping after it
    (and anything else on that connection) waits for the disk as usual."""
    services.invite_members(organization, actor=owner, emails=["x@example.com", "y@example.com"], role="member")
    run_worker()
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert len(mail.outbox) == 2
