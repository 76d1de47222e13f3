"""Shared fixtures. Organizations come with an owner; ``member`` and ``stranger`` are users in
and outside the organization; ``other_owner`` owns a second organization."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from members.models import Organization, User
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

POSTGRES_SKIP_REASON = (
    "needs PostgreSQL (row locks, query plans, a real worker); set DATABASE_URL to a PostgreSQL database to run it"
)
# Older spelling of the marker, kept so tests written with it keep working.
requires_postgres = pytest.mark.postgres


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor == "postgresql":
        return
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.skip(reason=POSTGRES_SKIP_REASON))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say out loud that the PostgreSQL-only tests did not run, so a green SQLite run is not mistaken for all."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and POSTGRES_SKIP_REASON in str(report.longrepr[2])
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} PostgreSQL-only tests (marker: postgres) were skipped: {POSTGRES_SKIP_REASON}.",
            yellow=True,
        )


@pytest.fixture
def owner(db) -> User:
    return UserFactory(email="owner@example.com", name="Olivia Owner")


@pytest.fixture
def organization(owner: User) -> Organization:
    return OrganizationFactory(name="Acme Corp", slug="acme", owner=owner)


@pytest.fixture
def member(organization: Organization) -> User:
    return MembershipFactory(organization=organization, user__email="member@example.com", user__name="Max Member").user


@pytest.fixture
def stranger(db) -> User:
    return UserFactory(email="stranger@example.com", name="Sam Stranger")


@pytest.fixture
def other_owner(db) -> User:
    user = UserFactory(email="other-owner@example.com", name="Otto Other")
    OrganizationFactory(name="Other Org", slug="other", owner=user)
    return user


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner: User) -> Client:
    return client_for(owner)


@pytest.fixture
def member_client(member: User) -> Client:
    return client_for(member)


@pytest.fixture(autouse=True)
def anymail_test_backend(settings) -> None:
    """Django's test runner swaps every mailer for locmem; put anymail's test backend back, so
    messages go through anymail (it records them in ``mail.outbox`` too)."""
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
