"""The worker rides out database outages and recovers what a killed worker left behind (PostgreSQL: the
connections of this test's own database are cut, never the server's)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection
from django_tasks_db.models import DBTaskResult
from psycopg import sql

from members.models import OutboundEmail
from tests.conftest import requires_postgres
from tests.helpers import queue_batch
from tests.production import mailbox
from tests.production.test_worker import queue, start_worker, wait_for, worker_env


def maintenance_connection() -> psycopg.Connection:
    """A connection to the server's ``postgres`` database: ALTER DATABASE cannot target the one it is in."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "localhost",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Refuse new connections to the test database and end every other one (the worker's) until the block ends;
    this test's own connection stays up, like a web process that still reaches the database."""
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (own_pid,) = cursor.fetchone()
    with maintenance_connection() as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                [name, own_pid],
            )
            yield
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(sql.Identifier(name)))


def status(pk: int) -> str:
    return OutboundEmail.objects.get(pk=pk).status


def stop(worker) -> str:
    worker.send_signal(signal.SIGTERM)
    return worker.communicate(timeout=30)[0].decode()


@requires_postgres
def test_the_worker_rides_out_a_database_outage_and_then_sends_what_queued_meanwhile(
    transactional_db, organization, tmp_path
):
    env = worker_env(tmp_path)
    worker = start_worker(env, "--sweep-interval", "0.5", command="run_worker")
    try:
        (before,) = queue(organization, 1)
        wait_for(lambda: status(before) == OutboundEmail.Status.SENT)
        with database_unreachable():
            time.sleep(4)  # several reconnect attempts fail meanwhile
            assert worker.poll() is None, "the worker exited during the outage"
            meanwhile = queue(organization, 3)  # the web processes still reach the database
        wait_for(lambda: all(status(pk) == OutboundEmail.Status.SENT for pk in meanwhile), timeout=60)
        assert worker.poll() is None
    finally:
        output = stop(worker)
    assert "worker lost the database; reconnecting" in output, output
    sent = [int(pk) for event, _, pk in mailbox.read(env["MAILBOX_PATH"]) if event == "sent"]
    assert sorted(sent) == sorted([before, *meanwhile]), output


@requires_postgres
def test_a_connection_cut_in_the_middle_of_a_send_is_settled_and_the_email_goes_out(
    transactional_db, organization, tmp_path
):
    env = worker_env(tmp_path, delay=2)
    worker = start_worker(env, "--sweep-interval", "0.5", "--settle-after", "1", command="run_worker")
    try:
        (pk,) = queue(organization, 1)
        wait_for(lambda: any(event == "begin" for event, _, _ in mailbox.read(env["MAILBOX_PATH"])))
        with database_unreachable():
            time.sleep(3)  # the send ends while the database is away: the worker cannot record it
        wait_for(lambda: status(pk) == OutboundEmail.Status.SENT, timeout=60)
        assert worker.poll() is None
    finally:
        output = stop(worker)
    assert not DBTaskResult.objects.filter(status="RUNNING").exists(), output
    # At-least-once at this edge: the provider got the first send, whose success could not be recorded.
    assert [event for event, _, _ in mailbox.read(env["MAILBOX_PATH"])].count("sent") == 2


@requires_postgres
def test_a_killed_workers_email_goes_out_within_a_minute_with_the_default_settings(
    transactional_db, organization, tmp_path
):
    (pk,) = queue(organization, 1)
    slow = worker_env(tmp_path, delay=60)
    victim = start_worker(slow, command="run_worker")
    try:
        wait_for(lambda: any(event == "begin" for event, _, _ in mailbox.read(slow["MAILBOX_PATH"])))
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    killed_at = time.monotonic()
    (stuck,) = DBTaskResult.objects.all()
    assert stuck.status == "RUNNING"

    restarted = start_worker(worker_env(tmp_path), command="run_worker")  # default sweep and settle settings
    try:
        wait_for(lambda: status(pk) == OutboundEmail.Status.SENT, timeout=60)
        assert time.monotonic() - killed_at < 60
    finally:
        output = stop(restarted)
    stuck.refresh_from_db()
    assert stuck.status == "FAILED" and stuck.exception_class_path == "members.worker.WorkerLostError", output
    assert restarted.returncode == 0, output


@requires_postgres
def test_a_connection_cut_in_the_middle_of_a_batch_sends_no_email_of_it_twice_but_the_one_in_flight(
    transactional_db, organization, tmp_path
):
    """The batch's claims die with its connection: the worker sends nothing more of the batch (another worker may
    be sending those emails by then), and the sweep sends the rest once each."""
    env = worker_env(tmp_path, delay=2)
    worker = start_worker(env, "--sweep-interval", "0.5", "--settle-after", "1", command="run_worker")
    try:
        first, *rest = queue_batch(organization, 3)
        wait_for(lambda: any(event == "begin" for event, _, _ in mailbox.read(env["MAILBOX_PATH"])))
        with database_unreachable():
            time.sleep(3)  # the first send ends while the database is away: the worker cannot record it
        wait_for(lambda: all(status(pk) == OutboundEmail.Status.SENT for pk in [first, *rest]), timeout=90)
        assert worker.poll() is None
    finally:
        output = stop(worker)
    sent = [int(pk) for event, _, pk in mailbox.read(env["MAILBOX_PATH"]) if event == "sent"]
    assert sorted(sent) == sorted([first, first, *rest]), output  # at-least-once only for the send cut off
