"""``Idempotency-Key`` on creates: a retried request with the same key and body gets the stored answer and
creates nothing new; the same key with another body is refused. A key is honoured for
``IDEMPOTENCY_KEY_RETENTION_HOURS`` (24 by default, as Stripe does); then it is forgotten, and the worker's sweep
deletes it (``members.api_tokens.purge_expired_idempotency_keys``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from members.api.problems import ProblemError
from members.api_tokens import idempotency_cutoff
from members.models import ApiToken, IdempotencyKey

MAX_KEY_LENGTH = 255


def idempotent(
    request: HttpRequest, token: ApiToken, payload: dict[str, Any], run: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any]]:
    """Run ``run`` once per (token, key); the key row and the change commit together, so a failed attempt
    leaves no key behind and may be retried."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return run()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ProblemError(400, _("Bad request"), _("Idempotency-Key must be 1 to 255 characters."))
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    with transaction.atomic():
        # A concurrent request with the same key waits on the unique index here, then finds the stored answer.
        # A key past its retention is forgotten, whether or not the sweep has deleted it yet: a new request.
        IdempotencyKey.objects.filter(token=token, key=key, created_at__lt=idempotency_cutoff()).delete()
        record, created = IdempotencyKey.objects.get_or_create(token=token, key=key, defaults={"request_hash": digest})
        if not created:
            if record.request_hash != digest:
                raise ProblemError(
                    422, _("Idempotency-Key reused"), _("This Idempotency-Key was used with a different request.")
                )
            return record.status_code or 200, record.response or {}
        status, body = run()
        record.status_code, record.response = status, body
        record.save(update_fields=["status_code", "response"])
        return status, body
