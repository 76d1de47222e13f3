"""Accounts: audit rows for accounts changed by staff in the Django admin, and a user's own display name.

The admin writes the account itself (inside its own transaction); ``members.admin.UserAdmin`` calls
``record_account_event`` from its log hooks, in that same transaction, so the change and its audit row commit
together."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from members.exceptions import DisplayNameError
from members.models import MembershipEvent, User
from members.services._common import log_on_commit


def record_account_event(
    target: User, *, actor: User, action: str, detail: str = "", ip: str | None = None
) -> MembershipEvent:
    """One audit row (and, once committed, one log line) for a change made to ``target``'s account (by staff, or
    by themselves), or for a request of ``target``'s refused outside any organization
    (``services.audit.record_refused_request``)."""
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


@transaction.atomic
def change_display_name(user: User, *, actor: User, name: str, ip: str | None = None) -> bool:
    """Set the user's own display name (empty: their address stands in for it) and record it; returns
    whether it changed. The name goes into emails, so ``members.names`` decides what is allowed."""
    if actor.pk != user.pk:
        raise DisplayNameError(_("Only you can change your name here."))
    name = name.strip()
    field = User._meta.get_field("name")
    try:
        field.clean(name, user)
    except ValidationError as error:
        raise DisplayNameError(" ".join(error.messages)) from error
    locked = User.objects.select_for_update().get(pk=user.pk)
    old = locked.name
    if old == name:
        return False
    locked.name = name
    locked.save(update_fields=["name"])  # also re-sorts them on every Members page (User.save)
    user.name = name
    record_account_event(
        locked, actor=actor, action=MembershipEvent.Action.NAME_CHANGED, detail=f"{old!r} -> {name!r}", ip=ip
    )
    return True
