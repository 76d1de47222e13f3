"""members/outbox_claims.py (PostgreSQL): a batch claims its emails with session advisory locks and then costs one
statement per email; its claims end with it; an email another session holds is neither sent nor settled, and is
sent once when that session ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from members import outbox, outbox_claims
from members.models import OutboundEmail
from members.worker import settle_lost_tasks
from tests.helpers import queue_batch, run_worker

pytestmark = pytest.mark.postgres


def advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        return cursor.fetchone()[0]


@contextmanager
def another_worker_holding(pk: int) -> Iterator[None]:
    """A second database session holding the claim on one email, as a live worker sending it does."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "localhost", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s + %s)", [outbox_claims.LOCK_BASE, pk])
        yield


def test_a_batch_costs_one_statement_per_email_after_its_claim(organization):
    ids = queue_batch(organization, 20)
    with CaptureQueriesContext(connection) as queries:
        assert outbox.deliver_emails.call(ids) == {"sent": 20}
    # SET synchronous_commit, claim, read, one UPDATE per email, release, RESET.
    assert len(queries) == 20 + 5
    assert [message.to[0] for message in mail.outbox] == [f"person{n}@example.com" for n in range(20)]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}


def test_the_claims_end_with_the_batch_chunk_by_chunk(organization, monkeypatch):
    monkeypatch.setattr(outbox_claims, "CLAIM_CHUNK", 2)
    ids = queue_batch(organization, 5)
    assert outbox.deliver_emails.call(ids) == {"sent": 5}
    assert advisory_locks_held() == 0
    assert outbox.deliver_emails.call(ids) == {}  # sent already: nothing claimed, nothing sent again
    assert len(mail.outbox) == 5 and advisory_locks_held() == 0


def test_an_email_another_worker_holds_is_neither_sent_nor_settled_until_that_worker_is_gone(organization):
    first, second = queue_batch(organization, 2)
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(minutes=1))
    with another_worker_holding(first):
        assert outbox.deliver_email.call(first) == "skipped"
        assert outbox.deliver_emails.call([first, second]) == {"sent": 1}
        assert [m.to for m in mail.outbox] == [["person1@example.com"]]
        assert settle_lost_tasks(grace=timedelta(seconds=10)) == 0  # its worker is alive: not settled
    # That worker's session ended (killed, or its connection cut) without sending: the sweep settles its task.
    assert settle_lost_tasks(grace=timedelta(seconds=10)) == 1
    run_worker()
    assert [m.to for m in mail.outbox] == [["person1@example.com"], ["person0@example.com"]]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}
