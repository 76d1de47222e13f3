"""Task paths stored in queued django-tasks-db rows (``members.tasks.deliver_email``) stay importable."""

from members.outbox import deliver_email, deliver_emails

__all__ = ["deliver_email", "deliver_emails"]
