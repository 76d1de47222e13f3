"""What keeps the worker process delivering: it rides out database outages, and settles the tasks a dead
worker left ``RUNNING``.

django-tasks-db's worker loop raises on the first connection error and the process exits; ``ResilientWorker``
closes the broken connections, logs, waits with backoff and starts the loop again, for as long as it takes.

A worker killed with ``kill -9`` (or whose connection died mid-task) leaves its task row ``RUNNING`` for ever and the
email ``queued``. A live worker holds its emails for the whole send (on PostgreSQL a claim that lives as long as its
database session, ``members.outbox_claims``; elsewhere the email row's lock), so a ``RUNNING`` delivery task whose
emails nobody holds, older than a short grace, belongs to a dead worker: ``settle_lost_tasks`` marks it failed and
schedules the emails again. A delivery sends only an email still queued that it holds, so a task settled by mistake
costs a duplicate task, never a duplicate email.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import InterfaceError, OperationalError, connections, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from members import outbox_claims
from members.models import OutboundEmail
from members.outbox import deliver_email, deliver_emails, schedule_delivery

logger = logging.getLogger("members.worker")

# What a lost connection raises (server restart, failover, network cut, pg_terminate_backend).
CONNECTION_ERRORS = (OperationalError, InterfaceError)
RECONNECT_FIRST_DELAY = 1.0
RECONNECT_MAX_DELAY = 30.0
SETTLE_BATCH = 100
DELIVERY_TASKS = [deliver_email.module_path, deliver_emails.module_path]


class WorkerLostError(Exception):
    """Recorded on a task whose worker stopped before finishing it (killed, or its connection died)."""


WorkerLost = WorkerLostError  # the name task rows failed before the rename still record


def close_connections() -> None:
    """Drop this thread's connections, broken ones included, so the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # closing a connection the server already dropped may itself fail
            logger.debug("closing a broken connection failed", exc_info=True)


def reconnect_delay(failures: int) -> float:
    """1 s, 2 s, 4 s … capped at 30 s."""
    return min(RECONNECT_FIRST_DELAY * 2 ** max(failures - 1, 0), RECONNECT_MAX_DELAY)


class ResilientWorker(Worker):
    """db_worker's loop that never exits on a connection error: it reconnects with backoff instead."""

    def run(self) -> None:
        failures = 0
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return
            except CONNECTION_ERRORS as error:
                # A loop that ran a while before failing starts its backoff over.
                failures = 1 if time.monotonic() - started > 2 * RECONNECT_MAX_DELAY else failures + 1
                delay = reconnect_delay(failures)
                logger.error(
                    "worker lost the database; reconnecting",
                    extra={"error": type(error).__name__, "attempt": failures, "retry_in_seconds": delay},
                )
                close_connections()
                time.sleep(delay)  # SIGTERM here exits at once: no task is running


def settle_lost_tasks(*, grace: timedelta) -> int:
    """Settle delivery tasks left ``RUNNING`` by a dead worker and schedule their emails again."""
    cutoff = timezone.now() - grace
    stuck = list(
        DBTaskResult.objects.filter(status="RUNNING", task_path__in=DELIVERY_TASKS, started_at__lt=cutoff)
        .order_by("started_at")
        .values_list("pk", flat=True)[:SETTLE_BATCH]
    )
    return sum(_settle(pk) for pk in stuck)


@transaction.atomic
def _settle(task_pk: object) -> bool:
    task_row = DBTaskResult.objects.select_for_update(skip_locked=True).filter(pk=task_pk, status="RUNNING").first()
    if task_row is None:
        return False
    argument = (task_row.args_kwargs.get("args") or [None])[0]
    outbound_ids = argument if isinstance(argument, list) else [argument]  # deliver_emails takes a batch
    emails = OutboundEmail.objects.filter(pk__in=outbound_ids)
    unlocked = list(emails.select_for_update(skip_locked=True))
    if len(unlocked) < emails.count() or outbox_claims.any_claimed([outbound.pk for outbound in unlocked]):
        return False  # a live worker holds one of the emails: it is being sent right now
    task_row.set_failed(WorkerLostError("the worker stopped before finishing this task"))
    for outbound in unlocked:
        if outbound.status == OutboundEmail.Status.QUEUED:
            outbound.next_attempt_at = timezone.now()
            outbound.save(update_fields=["next_attempt_at"])
            schedule_delivery(outbound)
    logger.warning("settled a task its worker left running", extra={"outbound_email_ids": outbound_ids})
    return True
