"""System checks for a production deployment (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.core import checks

from members.webhooks import webhook_secrets


@checks.register(checks.Tags.security, deploy=True)
def check_webhook_secret(**_: Any) -> list[checks.CheckMessage]:
    """Without a secret the tracking webhook would let anyone mark invitations bounced."""
    if webhook_secrets():
        return []
    return [
        checks.Error(
            "ANYMAIL_WEBHOOK_SECRET is not set (or is not user:password).",
            hint="Set ANYMAIL_WEBHOOK_SECRET=user:long-random-password and give the provider's tracking webhook "
            "that basic-auth secret; without it the webhook refuses every request.",
            id="members.E001",
        )
    ]
