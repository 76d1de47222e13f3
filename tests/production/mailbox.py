"""A test-only email backend shared across processes: one line per event in the file named by MAILBOX_PATH.

``begin <pid> <outbound id>`` when a send starts, ``sent <pid> <outbound id>`` when it is done; MAILBOX_DELAY
seconds in between make a send slow enough to kill a worker in the middle of it.
"""

from __future__ import annotations

import os
import time

from django.core.mail.backends.base import BaseEmailBackend


def _append(line: str) -> None:
    # O_APPEND: lines from several processes never interleave.
    fd = os.open(os.environ["MAILBOX_PATH"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


class RecordingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        delay = float(os.environ.get("MAILBOX_DELAY", "0"))
        for message in email_messages:
            outbound_id = getattr(message, "metadata", {}).get("outbound_email_id", "?")
            _append(f"begin {os.getpid()} {outbound_id}")
            time.sleep(delay)
            _append(f"sent {os.getpid()} {outbound_id}")
        return len(email_messages)


def read(path: str) -> list[tuple[str, int, str]]:
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [
            (event, int(pid), outbound) for event, pid, outbound in (line.split() for line in handle if line.strip())
        ]
