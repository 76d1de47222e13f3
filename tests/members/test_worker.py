"""members/worker.py: the sweep settles tasks a dead worker left RUNNING; the worker loop survives outages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from members import outbox
from members.emails import Notification
from members.models import OutboundEmail
from members.worker import ResilientWorker, reconnect_delay, settle_lost_tasks
from tests.helpers import run_worker


@pytest.fixture
def stranded(organization) -> OutboundEmail:
    """A queued email whose task a killed worker claimed a minute ago."""
    with transaction.atomic():
        outbound = outbox.queue(
            Notification(
                kind=OutboundEmail.Kind.ROLE_CHANGED,
                to_email="person@example.com",
                organization=organization,
                context={"organization_name": organization.name, "role_label": "Organization Member"},
            )
        )
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(minutes=1))
    return outbound


def test_the_sweep_settles_a_task_left_running_and_the_email_goes_out(stranded):
    assert settle_lost_tasks(grace=timedelta(seconds=10)) == 1

    assert DBTaskResult.objects.get(status="FAILED").exception_class_path == "members.worker.WorkerLostError"
    run_worker()
    stranded.refresh_from_db()
    assert stranded.status == OutboundEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["person@example.com"]]
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()


def test_the_sweep_leaves_a_task_that_just_started(stranded):
    DBTaskResult.objects.update(started_at=timezone.now())
    assert settle_lost_tasks(grace=timedelta(seconds=10)) == 0
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_a_task_whose_email_already_went_out_is_settled_without_sending_again(stranded):
    OutboundEmail.objects.filter(pk=stranded.pk).update(status=OutboundEmail.Status.SENT)
    assert settle_lost_tasks(grace=timedelta(seconds=10)) == 1
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED"]
    run_worker()
    assert mail.outbox == []


def test_reconnect_backoff_grows_and_is_capped():
    assert [reconnect_delay(n) for n in (1, 2, 3, 4, 5, 6, 7, 20)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_the_worker_loop_reconnects_after_connection_errors_instead_of_exiting(monkeypatch, db):
    """The worker loop raising a connection error (as db_worker's does when the database goes away) is retried."""
    calls: list[str] = []

    def flaky_run(self) -> None:
        calls.append("run")
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.Worker.run", flaky_run)
    sleeps: list[float] = []
    monkeypatch.setattr("members.worker.time.sleep", sleeps.append)
    worker = ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    worker.run()
    assert calls == ["run", "run", "run"]
    assert sleeps == [1, 2]


def test_the_sweep_settles_a_batch_left_running_and_sends_only_what_it_had_not_sent(organization, owner):
    """A bulk invite's batch task, its worker killed after the first email: the rest go out, the first not again."""
    from members import services

    services.invite_members(organization, actor=owner, emails=["a@example.com", "b@example.com"], role="member")
    first = OutboundEmail.objects.order_by("pk").first()
    outbox.deliver_email.call(first.pk)
    mail.outbox.clear()
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(minutes=1))

    assert settle_lost_tasks(grace=timedelta(seconds=10)) == 1
    run_worker()
    assert [m.to for m in mail.outbox] == [["b@example.com"]]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}
