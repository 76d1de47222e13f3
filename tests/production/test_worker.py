"""The worker process: `manage.py db_worker` / `run_worker` deliver each queued email exactly once, with several
workers at once, and after a worker is killed in the middle of a send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from members import outbox
from members.emails import Notification
from members.models import OutboundEmail
from members.outbox import deliver_email
from tests.production import mailbox

ROOT = Path(__file__).resolve().parents[2]


def queue(organization, count: int) -> list[int]:
    with transaction.atomic():
        return [
            outbox.queue(
                Notification(
                    kind=OutboundEmail.Kind.ROLE_CHANGED,
                    to_email=f"person{n}@example.com",
                    organization=organization,
                    context={"organization_name": organization.name, "role_label": "Organization Member"},
                )
            ).pk
            for n in range(count)
        ]


# db_worker closes connections it finds inside a transaction, so these run outside the test transaction.
def test_run_worker_requeues_an_email_whose_task_was_lost_and_sends_it(transactional_db, organization):
    (pk,) = queue(organization, 1)
    DBTaskResult.objects.all().delete()  # the task row is gone (or stuck RUNNING under a dead worker)
    OutboundEmail.objects.filter(pk=pk).update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    from django.core import mail

    call_command("run_worker", batch=True, interval=0, startup_delay=False, requeue_after=300, verbosity=0)

    assert OutboundEmail.objects.get(pk=pk).status == OutboundEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["person0@example.com"]]


def test_run_worker_leaves_a_recent_queued_email_to_its_own_task(transactional_db, organization):
    (pk,) = queue(organization, 1)
    DBTaskResult.objects.all().delete()

    call_command("run_worker", batch=True, interval=0, startup_delay=False, requeue_after=300, verbosity=0)

    assert OutboundEmail.objects.get(pk=pk).status == OutboundEmail.Status.QUEUED
    assert DBTaskResult.objects.count() == 0


# --- real worker processes on PostgreSQL --------------------------------------------------------------------------


def worker_env(tmp_path: Path, *, delay: float = 0) -> dict[str, str]:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="orgconsole.settings.production",
        SECRET_KEY="worker-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        SITE_URL="https://console.example.com",
        ALLOWED_HOSTS="console.example.com",
        DATABASE_URL=f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}",
        EMAIL_BACKEND="tests.production.mailbox.RecordingEmailBackend",
        MAILBOX_PATH=str(tmp_path / "mailbox.log"),
        MAILBOX_DELAY=str(delay),
        LOG_LEVEL="WARNING",
    )
    return env


def start_worker(env: dict[str, str], *args: str, command: str = "db_worker") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", command, "--no-startup-delay", "--interval", "0.1", "--no-reload", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.postgres
def test_two_workers_at_once_send_every_email_exactly_once(transactional_db, organization, tmp_path):
    ids = queue(organization, 30)
    # Duplicate tasks for a third of them (a sweep racing a slow task): still one email each.
    for pk in ids[::3]:
        deliver_email.enqueue(pk)
    env = worker_env(tmp_path, delay=0.05)

    workers = [start_worker(env, "--batch") for _ in range(2)]
    outputs = [worker.communicate(timeout=120)[0].decode() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    sent = [(pid, outbound) for event, pid, outbound in mailbox.read(env["MAILBOX_PATH"]) if event == "sent"]
    assert sorted(int(outbound) for _, outbound in sent) == sorted(ids)
    assert len({pid for pid, _ in sent}) == 2, "both workers should have sent some of the emails"
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}


@pytest.mark.postgres
def test_a_worker_killed_mid_send_loses_nothing_and_the_restarted_worker_sends_once(
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

    # The send's transaction died with the process: the email is still queued, its task stuck RUNNING.
    assert OutboundEmail.objects.get(pk=pk).status == OutboundEmail.Status.QUEUED
    assert DBTaskResult.objects.get().status == "RUNNING"

    fast = worker_env(tmp_path, delay=0)
    restarted = start_worker(fast, "--requeue-after", "1", "--sweep-interval", "0.5", command="run_worker")
    try:
        wait_for(lambda: OutboundEmail.objects.get(pk=pk).status == OutboundEmail.Status.SENT)
        time.sleep(1.5)  # a few more sweeps and polls: nothing is sent again
    finally:
        restarted.send_signal(signal.SIGTERM)
        output = restarted.communicate(timeout=30)[0].decode()

    sent = [outbound for event, _, outbound in mailbox.read(fast["MAILBOX_PATH"]) if event == "sent"]
    assert sent == [str(pk)], output
    assert restarted.returncode == 0, output


def test_run_worker_sweep_deletes_idempotency_keys_past_their_retention(transactional_db, organization, owner):
    from members.models import IdempotencyKey
    from members.services.tokens import create_api_token

    token = create_api_token(organization, actor=owner, name="ci", scopes=["members:write"], expires_in_days=30).token
    old = IdempotencyKey.objects.create(token=token, key="old", request_hash="x", created_at=timezone.now())
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyKey.objects.create(token=token, key="recent", request_hash="y")

    call_command("run_worker", batch=True, interval=0, startup_delay=False, requeue_after=300, verbosity=0)

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
