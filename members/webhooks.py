"""ESP tracking webhooks (anymail's ``tracking`` signal): record what happened to invitation emails.

anymail's webhook views authenticate the request with ``ANYMAIL["WEBHOOK_SECRET"]`` (HTTP basic
auth) before this receiver ever runs; a request with a wrong secret is refused and changes nothing.
``urlpatterns`` wraps those views: without a configured secret they refuse everyone (anymail alone
would accept anyone), and a payload anymail or this receiver cannot make sense of is a 400, not a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailError
from anymail.signals import AnymailTrackingEvent, EventType
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.urls import URLPattern

from members.models import Invitation, OutboundEmail
from members.outbox import record_delivery

logger = logging.getLogger(__name__)

DELIVERY_FOR_EVENT = {
    EventType.DELIVERED: Invitation.Delivery.DELIVERED,
    EventType.BOUNCED: Invitation.Delivery.BOUNCED,
    EventType.REJECTED: Invitation.Delivery.REJECTED,
    EventType.FAILED: Invitation.Delivery.FAILED,
}
# What a payload of the wrong shape raises inside anymail's parsers or the receiver; database errors are not
# among them (they stay a 500, so the provider retries).
PAYLOAD_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, UnicodeError, AnymailError)


class UnexpectedPayloadError(ValueError):
    """A tracking event whose fields are not what the provider documents."""


def webhook_secrets() -> list[str]:
    """The configured ``user:password`` pairs that are usable (both parts present)."""
    configured = settings.ANYMAIL.get("WEBHOOK_SECRET") or getattr(settings, "ANYMAIL_WEBHOOK_SECRET", None)
    candidates = [configured] if isinstance(configured, str) else list(configured or [])
    return [secret for secret in candidates if all(part.strip() for part in secret.partition(":")[::2])]


def record_tracking_event(*, event: AnymailTrackingEvent, esp_name: str, **_: Any) -> None:
    """Update the invitation's delivery status from a delivered/bounced/rejected/failed event."""
    delivery = DELIVERY_FOR_EVENT.get(event.event_type)
    if delivery is None:
        return
    if not isinstance(event.message_id, str) or not event.message_id:
        raise UnexpectedPayloadError("a delivery event without a message id")
    outbound = (
        OutboundEmail.objects.filter(provider_message_id=event.message_id, kind=OutboundEmail.Kind.INVITATION)
        .exclude(invitation=None)
        .select_related("invitation")
        .order_by("-pk")
        .first()
    )
    if outbound is None:
        logger.info("tracking event for an unknown message", extra={"esp": esp_name, "event": event.event_type})
        return
    record_delivery(outbound, delivery=delivery)


def guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """anymail's view, closed without a secret, answering 400 to a payload it cannot parse."""

    @wraps(view)  # keeps csrf_exempt and login_not_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not webhook_secrets():
            logger.warning("tracking webhook refused: ANYMAIL_WEBHOOK_SECRET is not set")
            return HttpResponseForbidden()
        try:
            with transaction.atomic():  # a batch with one bad event records none of it
                return view(request, *args, **kwargs)
        except PAYLOAD_ERRORS as error:
            logger.warning("tracking webhook refused a malformed payload", extra={"error": type(error).__name__})
            return HttpResponseBadRequest()

    return wrapper


urlpatterns = [
    URLPattern(pattern.pattern, guarded(pattern.callback), pattern.default_args, pattern.name)
    for pattern in anymail_urls.urlpatterns
]
app_name = anymail_urls.app_name
