"""How a notification email travels: recorded with the change, delivered once by a task, retried.

``queue`` writes an ``OutboundEmail`` row in the caller's transaction and schedules ``deliver_email``.
With the database task backend the task row commits (or rolls back) together with the change; with a
non-durable backend (development's immediate backend) the task is enqueued on commit. Either way a
rolled-back change sends nothing. What an email says is ``members.emails``'s business.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime, timedelta

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.tasks import task, task_backends
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from members import outbox_claims
from members.emails import Notification, render_email
from members.models import Invitation, OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 60 * 60


def _row(notification: Notification) -> OutboundEmail:
    """The unsaved row: a notification's fields are the row's fields, by name."""
    return OutboundEmail(**{f.name: getattr(notification, f.name) for f in fields(notification)})


def queue(notification: Notification) -> OutboundEmail:
    """Record an email to send; call it inside the transaction of the change that causes it."""
    outbound = _row(notification)
    outbound.save(force_insert=True)
    schedule_delivery(outbound)
    return outbound


def queue_many(notifications: list[Notification]) -> list[OutboundEmail]:
    """Record several emails at once (a bulk invite): one INSERT and one delivery task for the lot."""
    outbounds = OutboundEmail.objects.bulk_create(_row(notification) for notification in notifications)
    ids = [outbound.pk for outbound in outbounds]
    if isinstance(task_backends[deliver_emails.backend], DatabaseBackend):
        deliver_emails.enqueue(ids)  # in the caller's transaction, like ``queue``
    else:
        transaction.on_commit(lambda: deliver_emails.enqueue(ids))
    return outbounds


def schedule_delivery(outbound: OutboundEmail, *, run_after: datetime | None = None) -> None:
    backend = task_backends[deliver_email.backend]
    if run_after and not backend.supports_defer:
        # This backend cannot wait: leave the email queued for the sweep (`requeue_stalled`).
        return
    scheduled = deliver_email.using(run_after=run_after) if run_after else deliver_email
    if isinstance(backend, DatabaseBackend):
        # The task row is part of the caller's transaction: committed with it, or not at all.
        scheduled.enqueue(outbound.pk)
    else:
        transaction.on_commit(lambda: scheduled.enqueue(outbound.pk))


def _is_moot(outbound: OutboundEmail) -> bool:
    """An invitation email that was superseded, or whose invitation is no longer open."""
    if outbound.kind != OutboundEmail.Kind.INVITATION:
        return False
    return outbound.is_superseded() or outbound.invitation.status != Invitation.Status.PENDING


@task()
def deliver_email(outbound_id: int) -> str:
    """Send one recorded email through anymail, retrying transient failures with backoff."""
    if outbox_claims.supported():
        with _commits_without_waiting_for_disk():
            outcomes = outbox_claims.deliver_claimed([outbound_id], deliver=_deliver)
        return next(iter(outcomes), "skipped")
    with transaction.atomic():
        # The row lock makes a second worker (or a duplicate task) skip an email being sent.
        outbound = (
            OutboundEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("invitation")
            .filter(pk=outbound_id, status=OutboundEmail.Status.QUEUED)
            .first()
        )
        return "skipped" if outbound is None else _deliver(outbound)


def _deliver(outbound: OutboundEmail) -> str:
    """Send a queued email this worker holds (its row lock, or its claim on PostgreSQL) and record the outcome."""
    if _is_moot(outbound):
        outbound.status = OutboundEmail.Status.CANCELLED
        outbound.save(update_fields=["status"])
        return "cancelled"
    outbound.attempts += 1
    try:
        message = render_email(outbound)
        message.send()
    except Exception as error:
        return _record_failure(outbound, error)
    outbound.status = OutboundEmail.Status.SENT
    outbound.sent_at = timezone.now()
    outbound.last_error = ""
    outbound.provider_message_id = provider_message_id(message)
    _mark_sent(outbound)
    logger.info("email sent", extra={"outbound_email_id": outbound.pk, "kind": outbound.kind})
    return "sent"


SENT_FIELDS = ["status", "sent_at", "attempts", "last_error", "provider_message_id"]


def _mark_sent(outbound: OutboundEmail) -> None:
    """Save the sent email and, for a current invitation email, its invitation's delivery status (what
    ``record_delivery`` does). On PostgreSQL one statement writes both: one round trip less per email."""
    if connection.vendor != "postgresql" or outbound.kind != OutboundEmail.Kind.INVITATION or outbound.is_superseded():
        outbound.save(update_fields=SENT_FIELDS)
        record_delivery(outbound, delivery=Invitation.Delivery.SENT)
        return
    assignments = ", ".join(f"{name} = %s" for name in SENT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH sent AS (UPDATE {OutboundEmail._meta.db_table} SET {assignments} WHERE id = %s) "  # noqa: S608 - names only
            f"UPDATE {Invitation._meta.db_table} SET delivery_status = %s WHERE id = %s AND nonce = %s",
            [
                *(getattr(outbound, name) for name in SENT_FIELDS),
                outbound.pk,
                Invitation.Delivery.SENT,
                outbound.invitation_id,
                outbound.invitation_nonce,
            ],
        )


@task()
def deliver_emails(outbound_ids: list[int]) -> dict[str, int]:
    """Deliver emails queued together, each exactly once, with one task claim for the batch.

    On PostgreSQL the batch claims its emails a hundred at a time (``members.outbox_claims``) and marks each one
    sent right after its send; elsewhere each email is ``deliver_email``'s own transaction and row lock. An email
    this task does not get to (a killed worker, a database error) stays queued, and the sweep (``settle_lost_tasks``,
    ``requeue_stalled``) schedules it again on its own."""
    if outbox_claims.supported():
        with _commits_without_waiting_for_disk():
            return outbox_claims.deliver_claimed(outbound_ids, deliver=_deliver)
    outcomes: dict[str, int] = {}
    for outbound_id in outbound_ids:
        try:
            outcome = deliver_email.call(outbound_id)
        except Exception:
            logger.exception(
                "email delivery crashed; the sweep will retry it", extra={"outbound_email_id": outbound_id}
            )
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """PostgreSQL: the delivery's commits return before their WAL reaches the disk (``synchronous_commit``).

    Waiting for that flush was most of a delivery's time. Only a crash of the database server itself in the
    following moment can undo such a commit; the row is then ``queued`` again and the email is sent again (the
    at-least-once edge the README documents), never lost. Claims, and so "never twice at once", are unchanged. Set
    for the session during the delivery only: the worker's own bookkeeping after it waits for the disk as usual."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:  # the session is gone (the setting with it); the delivery's own error says why
            logger.debug("resetting synchronous_commit failed", exc_info=True)


def record_delivery(outbound: OutboundEmail, *, delivery: str) -> None:
    """Record what happened to an invitation email (sent, failed, or a provider's tracking event).

    A system write, not a service: no actor and no audit event, and it runs in the caller's transaction
    (the worker's) or none (a webhook). Only the latest email of an invitation speaks for it: an older
    email's bounce after a resend does not; the nonce in the UPDATE keeps that true against a
    concurrent resend too."""
    if outbound.kind != OutboundEmail.Kind.INVITATION or outbound.is_superseded():
        return
    Invitation.objects.filter(pk=outbound.invitation_id, nonce=outbound.invitation_nonce).update(
        delivery_status=delivery
    )


def provider_message_id(message: object) -> str:
    """The ESP's id for a sent message (what its tracking webhooks name it by), as text."""
    message_id = getattr(getattr(message, "anymail_status", None), "message_id", None)
    if message_id is None or isinstance(message_id, set):  # a set only for several recipients; we send to one
        return ""
    return str(message_id)[:255]


def describe_error(error: Exception) -> str:
    try:
        detail = str(error)
    except Exception:  # an ESP error missing its response object cannot describe itself
        detail = repr(error.args)
    return f"{type(error).__name__}: {detail}"[:2000]


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 2 min, 4 min … capped at an hour."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def is_transient(error: Exception) -> bool:
    """Worth retrying: the provider or the network had a bad moment, not a refusal of this message."""
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return False
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        return status is None or status == 429 or status >= 500
    if isinstance(error, AnymailError):
        return False
    return isinstance(error, OSError)  # connection refused, timeouts, SMTP disconnects


@transaction.atomic  # the email's new state and its retry task together
def _record_failure(outbound: OutboundEmail, error: Exception) -> str:
    outbound.last_error = describe_error(error)
    if is_transient(error) and outbound.attempts < MAX_ATTEMPTS:
        outbound.next_attempt_at = timezone.now() + backoff(outbound.attempts)
        outbound.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        schedule_delivery(outbound, run_after=outbound.next_attempt_at)
        logger.warning("email delivery failed, will retry", extra={"outbound_email_id": outbound.pk})
        return "retry"
    outbound.status = OutboundEmail.Status.FAILED
    outbound.save(update_fields=["status", "attempts", "last_error"])
    record_delivery(outbound, delivery=Invitation.Delivery.FAILED)
    logger.error("email delivery failed permanently", extra={"outbound_email_id": outbound.pk})
    return "failed"


def requeue_stalled(*, older_than: timedelta | None = None) -> int:
    """Schedule delivery again for queued emails whose task never ran to the end (a worker killed
    mid-send, or a process that died between the commit and an on-commit enqueue). A queued email
    counts as stalled once it is ``EMAIL_REQUEUE_AFTER_SECONDS`` past its due time. Duplicate tasks
    are harmless: a delivery sends only an email still queued that it holds (row lock, or claim on PostgreSQL)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.EMAIL_REQUEUE_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    stalled = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED, next_attempt_at__lt=cutoff).order_by("pk")
    )
    for outbound in stalled:
        with transaction.atomic():
            outbound.next_attempt_at = timezone.now()
            outbound.save(update_fields=["next_attempt_at"])
            schedule_delivery(outbound)
    return len(stalled)
