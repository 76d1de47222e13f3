"""Shared fixtures. Organizations come with an owner; ``member`` and ``stranger`` are users in
and outside the organization; ``other_owner`` owns a second organization."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from members.models import Organization, User
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks (SQLite ignores select_for_update); set DATABASE_URL to a PostgreSQL database",
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
