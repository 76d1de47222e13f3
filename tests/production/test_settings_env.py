"""Settings read from the environment: the invitation expiry by its name in hours, and its older name."""

from __future__ import annotations

import pytest

from tests.production.conftest import load_production


@pytest.mark.parametrize(
    ("env", "hours"),
    [
        ({}, 48),
        ({"INVITATION_EXPIRY_HOURS": "72"}, 72),
        ({"INVITATION_EXPIRY": "24"}, 24),  # the older name, still honoured
        ({"INVITATION_EXPIRY_HOURS": "72", "INVITATION_EXPIRY": "24"}, 72),  # the new name wins
    ],
)
def test_invitation_expiry_hours_and_its_older_name(monkeypatch, env, hours):
    monkeypatch.delenv("INVITATION_EXPIRY_HOURS", raising=False)
    monkeypatch.delenv("INVITATION_EXPIRY", raising=False)
    assert hours == load_production(monkeypatch, **env).INVITATION_EXPIRY_HOURS
