"""The audit log's own writes: recording who exported what, refused requests no view saw (a CSRF failure), and
enforcing the retention setting. Nothing else edits or deletes an event."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.http import urlencode

from members.models import Membership, MembershipEvent, Organization, User
from members.services._common import logger, record_event, record_refusal
from members.services.accounts import record_account_event

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


def record_refused_request(*, actor: User, org_slug: str | None, detail: str) -> MembershipEvent:
    """A signed-in user's write refused before any view ran (a CSRF failure, #11.6): recorded in the organization
    the URL names when the user belongs to it, else on their account alone. In its own transaction: the request
    fails, the row stays."""
    membership = (
        Membership.objects.select_related("organization").filter(organization__slug=org_slug, user=actor).first()
        if org_slug
        else None
    )
    if membership is not None:
        return record_refusal(membership.organization, actor=actor, detail=detail)
    with transaction.atomic():
        return record_account_event(actor, actor=actor, action=MembershipEvent.Action.REFUSED, detail=detail)
