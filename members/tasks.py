"""The background task that delivers recorded notification emails, once."""

from __future__ import annotations

import logging
from datetime import timedelta

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from members.emails import render_email, schedule_delivery
from members.models import Invitation, OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 60 * 60


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 2 min, 4 min … capped at an hour."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def is_transient(error: Exception) -> bool:
    """Worth retrying: the provider or the network had a bad moment, not a refusal of this message."""
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return False
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        return status is None or status == 429 or status >= 500
    if isinstance(error, AnymailError):
        return False
    return isinstance(error, OSError)  # connection refused, timeouts, SMTP disconnects


def _superseded(outbound: OutboundEmail) -> bool:
    """An invitation email for an invitation that is no longer open, or that was resent since."""
    if outbound.kind != OutboundEmail.Kind.INVITATION:
        return False
    invitation = outbound.invitation
    return (
        invitation is None
        or invitation.status != Invitation.Status.PENDING
        or outbound.context.get("nonce") != invitation.nonce
    )


@task()
def deliver_email(outbound_id: int) -> str:
    """Send one recorded email through anymail, retrying transient failures with backoff."""
    with transaction.atomic():
        # The row lock makes a second worker (or a duplicate task) skip an email being sent.
        outbound = (
            OutboundEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("invitation")
            .filter(pk=outbound_id, status=OutboundEmail.Status.QUEUED)
            .first()
        )
        if outbound is None:
            return "skipped"
        if _superseded(outbound):
            outbound.status = OutboundEmail.Status.CANCELLED
            outbound.save(update_fields=["status"])
            return "cancelled"
        outbound.attempts += 1
        try:
            message = render_email(outbound)
            message.send()
        except Exception as error:
            return _record_failure(outbound, error)
        outbound.status = OutboundEmail.Status.SENT
        outbound.sent_at = timezone.now()
        outbound.last_error = ""
        status = getattr(message, "anymail_status", None)
        outbound.provider_message_id = (getattr(status, "message_id", None) or "")[:255]
        outbound.save(update_fields=["status", "sent_at", "attempts", "last_error", "provider_message_id"])
        _set_invitation_delivery(outbound, Invitation.Delivery.SENT)
        logger.info("email sent", extra={"outbound_email_id": outbound.pk, "kind": outbound.kind})
        return "sent"


def _record_failure(outbound: OutboundEmail, error: Exception) -> str:
    outbound.last_error = f"{type(error).__name__}: {error}"[:2000]
    if is_transient(error) and outbound.attempts < MAX_ATTEMPTS:
        outbound.next_attempt_at = timezone.now() + backoff(outbound.attempts)
        outbound.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        schedule_delivery(outbound, run_after=outbound.next_attempt_at)
        logger.warning("email delivery failed, will retry", extra={"outbound_email_id": outbound.pk})
        return "retry"
    outbound.status = OutboundEmail.Status.FAILED
    outbound.save(update_fields=["status", "attempts", "last_error"])
    _set_invitation_delivery(outbound, Invitation.Delivery.FAILED)
    logger.error("email delivery failed permanently", extra={"outbound_email_id": outbound.pk})
    return "failed"


def _set_invitation_delivery(outbound: OutboundEmail, delivery: str) -> None:
    if outbound.kind == OutboundEmail.Kind.INVITATION and outbound.invitation_id:
        Invitation.objects.filter(pk=outbound.invitation_id).update(delivery_status=delivery)
