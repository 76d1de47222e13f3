"""Target 4: the worker delivers 500 queued invitation emails at no less than half the rate of a bare loop that
renders and sends the same messages through the same anymail backend (anymail's test backend: no network), with
its SQL statements and transactions per email. Rounds alternate which side goes first."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tests.benchmarks.harness import Verdict, print_table
from tests.benchmarks.seed import SeededOrganization

EMAILS = 500
_serial = itertools.count()


def _service(name: str) -> Callable:
    import importlib

    for module in ("members.services.invitations", "members.services"):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(name)


def _render() -> Callable:
    import importlib

    for module in ("members.outbox", "members.emails"):
        found = getattr(importlib.import_module(module), "render_email", None) if _exists(module) else None
        if found is not None:
            return found
    raise ImportError("render_email")


def _exists(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def queue_emails(org: SeededOrganization) -> None:
    """EMAILS invitation emails, queued by the invite service (outbox rows and their tasks)."""
    from members.models import Organization, User

    invite_members = _service("invite_members")
    organization, owner = Organization.objects.get(pk=org.organization_id), User.objects.get(pk=org.owner_id)
    batch = next(_serial)
    for start in range(0, EMAILS, 50):
        emails = [f"w{batch}-{n}@worker.example" for n in range(start, start + 50)]
        invite_members(organization, actor=owner, emails=emails, role="member")


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """SQL statements and committed transactions on the default connection."""
    from django.db import connections

    connection = connections["default"]
    counts = {"statements": 0, "transactions": 0}
    original = connection.commit

    def commit() -> None:
        counts["transactions"] += 1
        original()

    def wrapper(execute, sql, params, many, context):
        counts["statements"] += 1
        return execute(sql, params, many, context)

    connection.commit = commit
    try:
        with connection.execute_wrapper(wrapper):
            yield counts
    finally:
        del connection.commit


def run_worker() -> dict[str, int]:
    from django.core import mail
    from django.core.management import call_command

    from members.models import OutboundEmail

    with counting() as counts:
        call_command("run_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)
    sent = OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).count()
    assert OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).count() == 0, "worker left emails queued"
    mail.outbox.clear()
    return counts | {"sent": sent}


def bare_loop(outbounds: list) -> None:
    from django.core import mail

    render_email = _render()
    for outbound in outbounds:
        render_email(outbound).send()
    mail.outbox.clear()


def _reset_outbox() -> None:
    from django_tasks_db.models import DBTaskResult

    from members.models import OutboundEmail

    OutboundEmail.objects.all().delete()
    DBTaskResult.objects.all().delete()


def run(*, org: SeededOrganization, rounds: int) -> list[Verdict]:
    from django.conf import settings

    from members.models import OutboundEmail

    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = settings.INVITATIONS_PER_INVITER_PER_DAY = 10**9

    worker_ms, bare_ms, per_email = [], [], {}
    for round_number in range(rounds + 1):  # round 0 warms up
        _reset_outbox()
        queue_emails(org)
        outbounds = list(OutboundEmail.objects.select_related("invitation", "organization").order_by("pk"))
        assert len(outbounds) == EMAILS
        sides = [("bare", lambda outbounds=outbounds: bare_loop(outbounds)), ("worker", run_worker)]
        for name, side in sides if round_number % 2 else sides[::-1]:
            started = time.perf_counter()
            result = side()
            elapsed = (time.perf_counter() - started) * 1000
            if round_number:
                (worker_ms if name == "worker" else bare_ms).append(elapsed)
            if name == "worker":
                assert result["sent"] == EMAILS, result
                per_email = {key: result[key] / EMAILS for key in ("statements", "transactions")}
    worker, bare = statistics.median(worker_ms), statistics.median(bare_ms)
    ratio = (EMAILS / worker) / (EMAILS / bare)
    paired = statistics.median(b / w for w, b in zip(worker_ms, bare_ms, strict=True))
    print_table(
        f"Target 4: the worker vs a bare anymail loop, {EMAILS} emails (≥ 50 % of the bare rate)",
        ["side", "median", "emails/s", "SQL statements per email", "transactions per email"],
        [
            ["bare loop (render + send)", f"{bare:,.0f} ms", f"{EMAILS / bare * 1000:,.0f}", "0", "0"],
            [
                "run_worker --batch",
                f"{worker:,.0f} ms",
                f"{EMAILS / worker * 1000:,.0f}",
                f"{per_email['statements']:.1f}",
                f"{per_email['transactions']:.1f}",
            ],
            ["worker rate / bare rate", "", f"**{ratio:.0%}** (per-round {paired:.0%})", "", ""],
        ],
    )
    return [Verdict("4. worker rate vs bare loop", ratio, 0.5, higher_is_better=True, paired=paired)]
