"""Enforce the audit log's retention: ``ACTIVITY_RETENTION_DAYS`` for every event (unset: none is deleted for
age), and ``DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS`` for the trail of a deleted organization."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from members.services import purge_deleted_organizations, purge_expired_events


class Command(BaseCommand):
    help = (
        "Delete audit events older than ACTIVITY_RETENTION_DAYS (unset: keep every event), and the audit trail of "
        "organizations deleted more than DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS ago."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.ACTIVITY_RETENTION_DAYS
        if not days:
            self.stdout.write(
                "ACTIVITY_RETENTION_DAYS is not set: events are kept forever (unless their organization was "
                "deleted); none deleted for age."
            )
        else:
            count = purge_expired_events(retention_days=days)
            self.stdout.write(f"Deleted {count} event(s) older than {days} day(s).")
        deleted_days = settings.DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS
        count = purge_deleted_organizations(retention_days=deleted_days)
        self.stdout.write(f"Deleted {count} event(s) of organizations deleted more than {deleted_days} day(s) ago.")
