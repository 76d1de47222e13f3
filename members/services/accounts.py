"""Audit rows for accounts changed by staff in the Django admin.

The admin writes the account itself (inside its own transaction); ``members.admin.UserAdmin`` calls
this from its log hooks, in that same transaction, so the change and its audit row commit together."""

from __future__ import annotations

from members.models import MembershipEvent, User
from members.services._common import log_on_commit


def record_account_event(
    target: User, *, actor: User, action: str, detail: str = "", ip: str | None = None
) -> MembershipEvent:
    """One audit row (and, once committed, one log line) for a change staff made to ``target``, or for a request
    of ``target``'s refused outside any organization (``services.audit.record_refused_request``)."""
    event = MembershipEvent.objects.create(
        organization=None,
        organization_name="",
        actor=actor,
        actor_email=actor.email,
        action=action,
        target_email=target.email,
        detail=detail[:255],
        ip_address=ip,
    )
    log_on_commit(f"account.{action}", action=action, event_id=event.pk, actor_id=actor.pk, target_id=target.pk)
    return event
