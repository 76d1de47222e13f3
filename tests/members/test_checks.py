"""System checks: production refuses to pass `check --deploy` with the tracking webhook open."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


@pytest.mark.parametrize("configured", [{}, {"WEBHOOK_SECRET": ""}, {"WEBHOOK_SECRET": "no-colon"}])
def test_deploy_check_fails_without_a_webhook_secret(settings, configured):
    settings.ANYMAIL = configured
    with pytest.raises(SystemCheckError, match="ANYMAIL_WEBHOOK_SECRET"):
        call_command("check", deploy=True, fail_level="ERROR", tags=["security"])


def test_deploy_check_passes_with_a_webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hookuser:long-random-password"}
    call_command("check", deploy=True, fail_level="ERROR", tags=["security"])


def test_development_checks_do_not_need_a_webhook_secret(settings, db):
    # ``db``: Django 6.1's model checks ask SQLite whether it supports JSONField (a query), unless an
    # earlier test happened to cache the answer on this connection.
    settings.ANYMAIL = {}
    call_command("check", fail_level="ERROR")
