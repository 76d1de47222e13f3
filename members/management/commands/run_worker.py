"""The production worker: django-tasks-db's ``db_worker`` plus the outbox sweep, in one process.

A worker killed while sending an email leaves its task row RUNNING forever and the email ``queued`` (the
transaction that would have marked it sent died with the process). The sweep puts such emails back on the
queue; ``deliver_email`` sends only rows still queued, under a row lock, so a duplicate task is harmless.
"""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from members.outbox import requeue_stalled

logger = logging.getLogger("members.worker")


def sweep(older_than: timedelta) -> int:
    """Requeue stalled emails once; never let a failure stop the worker."""
    try:
        count = requeue_stalled(older_than=older_than)
    except Exception:
        logger.exception("outbox sweep failed")
        return 0
    if count:
        logger.warning("outbox sweep requeued stalled emails", extra={"requeued": count})
    return count


class Command(DbWorkerCommand):
    help = "Run the background worker (db_worker) and requeue emails a dead worker left behind."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=60.0,
            help="Seconds between outbox sweeps (default: %(default)s).",
        )
        parser.add_argument(
            "--requeue-after",
            type=float,
            default=None,
            help="Seconds past its due time before a queued email is requeued (default: EMAIL_REQUEUE_AFTER_SECONDS).",
        )

    def handle(self, *args: Any, sweep_interval: float, requeue_after: float | None, **options: Any) -> None:
        seconds = settings.EMAIL_REQUEUE_AFTER_SECONDS if requeue_after is None else requeue_after
        older_than = timedelta(seconds=seconds)
        sweep(older_than)
        if not options["batch"]:
            stop = threading.Event()

            def loop() -> None:
                while not stop.wait(sweep_interval):
                    sweep(older_than)
                    connection.close()  # this thread's own connection; don't hold it between sweeps

            # A daemon thread: it dies with the worker, which db_worker ends on SIGTERM after the current task.
            threading.Thread(target=loop, name="outbox-sweep", daemon=True).start()
        super().handle(*args, **options)
