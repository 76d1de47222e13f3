"""ESP tracking webhooks (anymail's ``tracking`` signal): record what happened to invitation emails.

anymail's webhook views authenticate the request with ``ANYMAIL["WEBHOOK_SECRET"]`` (HTTP basic
auth) before this receiver ever runs; a request with a wrong secret is refused and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType

from members.models import Invitation, OutboundEmail
from members.outbox import record_delivery

logger = logging.getLogger(__name__)

DELIVERY_FOR_EVENT = {
    EventType.DELIVERED: Invitation.Delivery.DELIVERED,
    EventType.BOUNCED: Invitation.Delivery.BOUNCED,
    EventType.REJECTED: Invitation.Delivery.REJECTED,
    EventType.FAILED: Invitation.Delivery.FAILED,
}


def record_tracking_event(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    """Update the invitation's delivery status from a delivered/bounced/rejected/failed event."""
    delivery = DELIVERY_FOR_EVENT.get(event.event_type)
    if delivery is None or not event.message_id:
        return
    outbound = (
        OutboundEmail.objects.filter(provider_message_id=str(event.message_id), kind=OutboundEmail.Kind.INVITATION)
        .exclude(invitation=None)
        .select_related("invitation")
        .order_by("-pk")
        .first()
    )
    if outbound is None:
        logger.info("tracking event for an unknown message", extra={"esp": esp_name, "event": event.event_type})
        return
    record_delivery(outbound, delivery=delivery)
