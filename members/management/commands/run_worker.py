"""The production worker: django-tasks-db's ``db_worker`` plus the outbox sweep, in one process.

It never exits on a database connection error: ``ResilientWorker`` reconnects with backoff and carries on. A
worker killed while sending an email leaves its task row RUNNING and the email ``queued`` (the transaction that
would have marked it sent died with the process). The sweep, every ``--sweep-interval`` seconds, settles such
tasks and puts their emails back on the queue, and requeues queued emails whose task was lost altogether (it also
deletes the API's idempotency keys past ``IDEMPOTENCY_KEY_RETENTION_HOURS``); a delivery sends only emails still
queued that it holds (``members.outbox_claims``), so a duplicate task is harmless.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from members.api_tokens import purge_expired_idempotency_keys
from members.outbox import requeue_stalled
from members.worker import ResilientWorker, close_connections, settle_lost_tasks

logger = logging.getLogger("members.worker")


def sweep(*, settle_after: timedelta, requeue_after: timedelta) -> int:
    """Settle tasks a dead worker left running and requeue lost emails, once, and delete the API's idempotency keys
    past their retention; never let a failure stop the worker. Returns how many emails were requeued."""
    try:
        count = settle_lost_tasks(grace=settle_after) + requeue_stalled(older_than=requeue_after)
        purged = purge_expired_idempotency_keys()
    except Exception as error:  # the database is down: the next sweep tries again
        logger.warning("outbox sweep failed", extra={"error": type(error).__name__})
        return 0
    finally:
        close_connections()  # this thread's own connection; don't hold it (or a broken one) between sweeps
    if count:
        logger.warning("outbox sweep requeued stalled emails", extra={"requeued": count})
    if purged:
        logger.info("sweep deleted expired idempotency keys", extra={"deleted": purged})
    return count


class Command(DbWorkerCommand):
    help = "Run the background worker (db_worker, riding out database outages) and requeue what a dead worker left."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-interval", type=float, default=10.0, help="Seconds between outbox sweeps (default: %(default)s)."
        )
        parser.add_argument(
            "--settle-after",
            type=float,
            default=10.0,
            help="Seconds a delivery task may stay RUNNING with nobody sending its email before the sweep settles "
            "it and requeues the email (default: %(default)s).",
        )
        parser.add_argument(
            "--requeue-after",
            type=float,
            default=None,
            help="Seconds past its due time before a queued email with no task is requeued "
            "(default: EMAIL_REQUEUE_AFTER_SECONDS).",
        )

    def handle(
        self, *args: Any, sweep_interval: float, settle_after: float, requeue_after: float | None, **options: Any
    ) -> None:
        seconds = settings.EMAIL_REQUEUE_AFTER_SECONDS if requeue_after is None else requeue_after
        ages = {"settle_after": timedelta(seconds=settle_after), "requeue_after": timedelta(seconds=seconds)}
        sweep(**ages)
        if not options["batch"]:

            def loop() -> None:
                while True:
                    time.sleep(sweep_interval)
                    sweep(**ages)

            # A daemon thread: it dies with the worker, which ends on SIGTERM after the current task.
            threading.Thread(target=loop, name="outbox-sweep", daemon=True).start()
        self.run_worker(**options)

    def run_worker(
        self, *, verbosity: int, reload: bool, batch: bool, queue_name: str, exclude_queues: str, **options: Any
    ) -> None:
        """db_worker's ``handle``, with the worker that survives outages."""
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            batch=batch,
            **{key: options[key] for key in ("interval", "backend_name", "startup_delay", "max_tasks", "worker_id")},
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
