"""Test helpers shared by the suites: run the email worker, read sent emails, snapshot the database,
run calls at the same moment on their own connections (the one race harness)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import resolve, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from members import outbox
from members.emails import Notification
from members.models import OutboundEmail


def run_worker() -> None:
    """Run every due task of the database queue, as `manage.py db_worker --batch` does.

    The worker closes "old" connections between tasks; inside a test's transaction that would close
    the test's own connection (PostgreSQL), so that one call is neutralised here."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)


def make_retries_due() -> None:
    """Move tasks scheduled for later (retries with backoff) to now."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def db_snapshot() -> dict[str, list[dict[str, Any]]]:
    models = [*apps.get_app_config("members").get_models(), *apps.get_app_config("django_tasks_database").get_models()]
    snapshot = {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}
    for user in snapshot["members.User"]:
        user.pop("last_active_at")  # bookkeeping any signed-in request may write (members.last_active), not a change
    return snapshot


def db_snapshot_without_refusals() -> dict[str, list[dict[str, Any]]]:
    """``db_snapshot`` minus the audit rows of refused writes (a member's refused write is audited, #11.6)."""
    snapshot = db_snapshot()
    events = snapshot["members.MembershipEvent"]
    snapshot["members.MembershipEvent"] = [row for row in events if row["action"] != "refused"]
    return snapshot


def html_part(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def accept_token(body: str, site_url: str) -> str:
    """The token of the acceptance link in an email body (the link is built from SITE_URL)."""
    match = re.search(re.escape(site_url) + r"(/[^\s\"<]+)", body)
    assert match, body
    resolved = resolve(match.group(1))
    assert resolved.view_name == "members:invitation_open"
    return resolved.kwargs["token"]


def run_together(*calls: Callable[[], object]) -> list[object]:
    """Start each call on its own thread (and so its own database connection) at the same moment and
    return each one's result or exception, in the order of ``calls``. Needs a transactional test on
    PostgreSQL: SQLite ignores row locks."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # collected and asserted on by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def recently_authenticated(client: Any, password: str = "correct-horse-battery") -> Any:
    """The client's user typed their password again just now (allauth's re-authentication), as owner
    changes and address changes require; returns the client."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content
    return client


def queue_batch(organization, count: int) -> list[int]:
    """``count`` emails queued together: one ``deliver_emails`` task, as a bulk invite queues them."""
    notifications = [
        Notification(
            kind=OutboundEmail.Kind.ROLE_CHANGED,
            to_email=f"person{n}@example.com",
            organization=organization,
            context={"organization_name": organization.name, "role_label": "Organization Member"},
        )
        for n in range(count)
    ]
    with transaction.atomic():
        return [outbound.pk for outbound in outbox.queue_many(notifications)]
