"""Helpers for the invitation acceptance tests."""

from __future__ import annotations

from unittest import mock

from django.core.management import call_command


def run_tasks() -> None:
    """Run every due task of the database queue, as `manage.py db_worker --batch` does.

    The worker calls ``close_old_connections()`` between tasks; with CONN_MAX_AGE=0 that closes the
    connection, which on PostgreSQL would end the test's transaction (SQLite's in-memory database
    ignores it). Inside a test there is no stale connection to drop, so that call is a no-op here.
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)
