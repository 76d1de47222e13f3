"""Enforce the audit log's retention (``ACTIVITY_RETENTION_DAYS``); with no retention set it deletes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from members.services import purge_expired_events


class Command(BaseCommand):
    help = "Delete audit events older than ACTIVITY_RETENTION_DAYS (unset: keep every event forever)."

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.ACTIVITY_RETENTION_DAYS
        if not days:
            self.stdout.write("ACTIVITY_RETENTION_DAYS is not set: every event is kept forever; nothing deleted.")
            return
        count = purge_expired_events(retention_days=days)
        self.stdout.write(f"Deleted {count} event(s) older than {days} day(s).")
