"""Notification emails: recorded with the change that causes them, rendered and sent later.

``queue_email`` writes an ``OutboundEmail`` row in the caller's transaction and schedules the
delivery task. With the database task backend the task row commits (or rolls back) together
with the change; with a non-durable backend (development's immediate backend) the task is
enqueued on commit. Either way a rolled-back change sends nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task_backends
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks_db import DatabaseBackend

from members.models import Invitation, Organization, OutboundEmail

TEMPLATE_PREFIX = "members/email/"


def site_url(path: str) -> str:
    """An absolute URL on the configured site; never built from the request's Host header."""
    return f"{settings.SITE_URL}{path}"


def invitation_url(invitation: Invitation) -> str:
    from members.tokens import invitation_token_generator

    token = invitation_token_generator.make_token(invitation)
    return site_url(reverse("members:invitation_open", args=[token]))


def queue_email(
    kind: str,
    *,
    to_email: str,
    organization: Organization | None,
    context: dict[str, Any],
    invitation: Invitation | None = None,
) -> OutboundEmail:
    """Record an email to send; call it inside the transaction of the change that causes it.

    ``context`` holds plain values (names, labels, ids) for the templates, never a token.
    """
    outbound = OutboundEmail.objects.create(
        kind=kind, to_email=to_email, organization=organization, invitation=invitation, context=context
    )
    schedule_delivery(outbound)
    return outbound


def schedule_delivery(outbound: OutboundEmail, *, run_after: datetime | None = None) -> None:
    from members.tasks import deliver_email

    backend = task_backends[deliver_email.backend]
    if run_after and not backend.supports_defer:
        # This backend cannot wait: leave the email queued for `manage.py requeue_emails`.
        return
    task = deliver_email.using(run_after=run_after) if run_after else deliver_email
    if isinstance(backend, DatabaseBackend):
        # The task row is part of the caller's transaction: committed with it, or not at all.
        task.enqueue(outbound.pk)
    else:
        transaction.on_commit(lambda: task.enqueue(outbound.pk))


def render_email(outbound: OutboundEmail) -> EmailMultiAlternatives:
    """Build the message from the kind's template triplet (subject, text, HTML)."""
    context: dict[str, Any] = {**outbound.context, "site_url": settings.SITE_URL, "to_email": outbound.to_email}
    if outbound.kind == OutboundEmail.Kind.INVITATION and outbound.invitation is not None:
        # The link is rebuilt from the invitation's current nonce at send time; no token is stored.
        context["accept_url"] = invitation_url(outbound.invitation)
    base = f"{TEMPLATE_PREFIX}{outbound.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    text = render_to_string(f"{base}_message.txt", context)
    html = render_to_string(f"{base}_message.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outbound.to_email],
    )
    message.attach_alternative(html, "text/html")
    message.tags = [outbound.kind]  # type: ignore[attr-defined]
    message.metadata = {"outbound_email_id": str(outbound.pk)}  # type: ignore[attr-defined]
    return message
