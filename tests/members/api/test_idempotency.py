"""Idempotency keys are honoured for their retention (IDEMPOTENCY_KEY_RETENTION_HOURS), then forgotten and
deleted (``members.api_tokens.purge_expired_idempotency_keys``, run by the worker's sweep)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from members.api_tokens import purge_expired_idempotency_keys
from members.models import IdempotencyKey, Invitation


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def invite(api, email: str, key: str):
    return api.post(
        "/api/v1/invitations", {"emails": [email]}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def age_keys(hours: float) -> None:
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=hours))


def test_a_key_within_its_retention_is_still_honoured(api, settings):
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 24
    first = invite(api, "ada@example.com", "k-1")
    age_keys(23)
    Invitation.objects.update(status=Invitation.Status.REVOKED)  # an invite now would create one

    again = invite(api, "ada@example.com", "k-1")

    assert again.status_code == 201 and again.json() == first.json()
    assert Invitation.objects.count() == 1


def test_a_key_past_its_retention_is_forgotten_even_before_the_sweep_deletes_it(api, settings):
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 24
    invite(api, "ada@example.com", "k-1")
    age_keys(25)
    Invitation.objects.update(status=Invitation.Status.REVOKED)

    again = invite(api, "ada@example.com", "k-1")

    assert again.status_code == 201 and Invitation.objects.count() == 2
    assert IdempotencyKey.objects.get().created_at > timezone.now() - timedelta(minutes=1)  # the new request's


def test_the_purge_deletes_only_keys_past_their_retention(api, settings):
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 24
    for n in range(5):
        invite(api, f"old{n}@example.com", f"old-{n}")
    age_keys(24.5)
    invite(api, "new@example.com", "new")

    assert purge_expired_idempotency_keys(batch_size=2) == 5  # several batches
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    assert purge_expired_idempotency_keys() == 0


def test_the_retention_is_a_setting(api, settings):
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 1
    invite(api, "ada@example.com", "k-1")
    age_keys(2)

    assert purge_expired_idempotency_keys() == 1
