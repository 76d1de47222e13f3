"""The audit log's own writes: recording who exported what, and enforcing the retention setting.
Nothing else edits or deletes an event."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.http import urlencode

from members.models import MembershipEvent, Organization, User
from members.services._common import logger, record_event

EXPORTS = {MembershipEvent.Action.MEMBERS_EXPORTED, MembershipEvent.Action.ACTIVITY_EXPORTED}


@transaction.atomic
def record_export(
    organization: Organization, *, actor: User, action: str, filters: dict[str, str], ip: str | None = None
) -> MembershipEvent:
    """Reading is not a change, but who took a copy of what is on the record: ``actor`` exported the
    members or the activity that ``filters`` select."""
    if action not in EXPORTS:
        raise ValueError(f"{action} is not an export.")
    # The filters as the page's query string ("" for everything).
    return record_event(organization, actor=actor, action=action, ip=ip, detail=urlencode(filters))


def purge_expired_events(*, retention_days: int, batch_size: int = 5000) -> int:
    """Delete audit events older than ``retention_days`` (the retention setting), a batch per transaction
    so a large purge never holds long locks; returns how many were deleted."""
    if retention_days < 1:
        raise ValueError("Retention must be at least one day.")
    cutoff = timezone.now() - timedelta(days=retention_days)
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(
                MembershipEvent.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                break
            deleted += MembershipEvent.objects.filter(pk__in=batch).delete()[0]
    logger.info("activity.purged", extra={"deleted": deleted, "retention_days": retention_days})
    return deleted
