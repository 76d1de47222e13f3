"""PostgreSQL: a worker's claim on the emails it is sending, one session advisory lock per email.

A row lock lasts one transaction, so holding one for each email's send costs a transaction per email (BEGIN,
lock, mark sent, COMMIT: four round trips). A session advisory lock lasts until it is released or the session
ends, so a batch claims up to ``CLAIM_CHUNK`` emails with one statement and then marks each one sent, right after
its send, with one autocommitted statement: one round trip per email, and each email's outcome is durable the
moment it is known, as before (a worker that dies mid-batch resends at most the email whose send it was in).

The claim is exactly as alive as the worker's database session: a killed worker's or a cut connection's locks go
with its session (as its row locks would), and its emails are still ``queued`` for the sweep. Another worker's
claim skips emails held, and reads their status again once it holds them (one may have been sent meanwhile).
The sweep (``members.worker``) tries the same locks to tell a live worker's task from a dead one's.

Advisory locks need a session of their own: behind PgBouncer, point the worker at PostgreSQL directly or at a
session-mode pool (the worker's ``SET synchronous_commit`` needs that too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, InterfaceError, connection

from members.models import OutboundEmail

logger = logging.getLogger(__name__)

# Lock keys: LOCK_BASE + the email's id (ids stay far below 2**40), apart from any other advisory lock user.
LOCK_BASE = 0x4F42 << 40
CLAIM_CHUNK = 100  # locks held at once by one worker: PostgreSQL's shared lock table is finite

TABLE = OutboundEmail._meta.db_table
# The row lock (SKIP LOCKED) skips an email the sweep is settling; the advisory lock is the claim itself. The
# CTE is materialized so that only queued, unlocked rows are ever offered to pg_try_advisory_lock.
CLAIM_SQL = (
    f"WITH queued AS MATERIALIZED (SELECT id FROM {TABLE} WHERE id = ANY(%s) AND status = %s "  # noqa: S608 - names only
    "ORDER BY id FOR UPDATE SKIP LOCKED) SELECT id FROM queued WHERE pg_try_advisory_lock(%s + id)"
)


def supported() -> bool:
    return connection.vendor == "postgresql"


def _claim(ids: list[int]) -> tuple[list[OutboundEmail], list[int]]:
    """Lock the emails no one else holds, then read them (still queued?) with their invitation: the emails to
    send, and every id locked (to release)."""
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, [ids, OutboundEmail.Status.QUEUED, LOCK_BASE])
        locked = [row[0] for row in cursor.fetchall()]
    if not locked:
        return [], []
    # A second statement, so a fresh snapshot: an email sent by its previous holder just before we locked it is
    # no longer queued here.
    still_queued = OutboundEmail.objects.filter(pk__in=locked, status=OutboundEmail.Status.QUEUED)
    return list(still_queued.select_related("invitation").order_by("pk")), locked


def _release(ids: list[int]) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s + id) FROM unnest(%s::bigint[]) AS id", [LOCK_BASE, ids])
    except DatabaseError:  # the session is gone, and its locks with it
        logger.debug("releasing outbox claims failed", exc_info=True)


@contextmanager
def claimed(ids: list[int]) -> Iterator[list[OutboundEmail]]:
    """The queued emails among ``ids`` that no other worker holds, held until the block ends."""
    outbounds, locked = _claim(ids)
    try:
        yield outbounds
    finally:
        if locked:
            _release(locked)


def deliver_claimed(ids: Iterable[int], *, deliver: Callable[[OutboundEmail], str]) -> dict[str, int]:
    """Claim the emails chunk by chunk and ``deliver`` each claimed one (it sends and records the outcome).

    A database error ends the batch: the connection (and with it the claims) may be gone, and an email must not
    be sent without its claim. The emails not reached stay queued; the sweep schedules them again."""
    ids = list(ids)
    outcomes: dict[str, int] = {}
    for start in range(0, len(ids), CLAIM_CHUNK):
        with claimed(ids[start : start + CLAIM_CHUNK]) as outbounds:
            session = connection.connection
            for outbound in outbounds:
                if connection.connection is not session:
                    raise InterfaceError("the database session holding the outbox claims was replaced")
                outcome = _deliver_one(outbound, deliver)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _deliver_one(outbound: OutboundEmail, deliver: Callable[[OutboundEmail], str]) -> str:
    try:
        return deliver(outbound)
    except DatabaseError:
        raise
    except Exception:  # a bug in one email's rendering or bookkeeping: the others still go out
        logger.exception("email delivery crashed; the sweep will retry it", extra={"outbound_email_id": outbound.pk})
        return "error"


def any_claimed(ids: list[int]) -> bool:
    """Whether a live worker holds one of these emails. Call it in a transaction: the emails free now stay locked
    (transaction-level advisory locks) until it ends, so no worker claims them while the sweep settles them."""
    if not supported() or not ids:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bool_and(pg_try_advisory_xact_lock(%s + id)) FROM unnest(%s::bigint[]) AS id", [LOCK_BASE, ids]
        )
        (all_free,) = cursor.fetchone()
    return not all_free
