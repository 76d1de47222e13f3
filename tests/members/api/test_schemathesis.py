"""Schemathesis against the generated OpenAPI schema, through the WSGI app: every operation gets generated valid and
invalid input with a valid token; no answer may be a 5xx or break the schema (status codes, content types, bodies,
headers), every schema-valid request is accepted and every schema-violating one refused. Kept to a few examples per
operation (~30 s).

Every check runs. The schema states what the console's forms accept (role, status and sort values, the number of
addresses, lengths, page sizes), so "schema-valid" means valid to the forms too. Three inputs have rules no JSON
Schema can state, so ``with_real_references`` gives the generated requests real values, as schemathesis' docs advise
for ids: a ``project_id`` becomes one of the organization's projects (which ids exist is the server's to know; an
unknown one is rightly a 422 with the form's message, tested in test_api.py); a generated ``cursor`` is dropped (a
cursor is opaque and signed by the server: a string it did not issue is rightly a 400, tested in test_members.py);
and in valid cases the addresses become plain ones (``format: email`` is RFC 5321's mailbox, laxer than the
console's rule: Django's validator, IDNA 2008 domains, no IP literals, localhost or single-label hosts such as
``0@0.a``; tested in test_forms.py and test_addresses.py). Tokens are not generated either
(``with_security_parameters``): the test sends a valid one on every request, and the permission matrix tests
missing, broken and wrong tokens."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from members.api.app import api as ninja_api
from members.models import Project
from tests.factories import ProjectFactory

schema = schemathesis.openapi.from_dict(ninja_api.get_openapi_schema())
schema.app = get_wsgi_application()  # requests go through the whole middleware stack, in process
schema.config.generation.update(with_security_parameters=False)  # see the module's docstring


@pytest.fixture
def keep_test_connection():
    """Django closes "old" connections when a request starts and ends; in process, inside the test's
    transaction, that would close the test's own connection (PostgreSQL). Django's test client does
    the same as this while it makes a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def secret(tokens, organization, settings, keep_test_connection):
    settings.API_REQUESTS_PER_MINUTE = 100_000
    ProjectFactory(organization=organization, name="Alpha")
    ProjectFactory(organization=organization, name="Beta")
    cache.clear()
    return tokens.valid


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_api_honours_its_schema(case, secret):
    with_real_references(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"})


def with_real_references(case) -> None:
    """A generated ``project_id`` becomes one of the organization's projects and a generated ``cursor`` is dropped
    (see the module's docstring); every phase's cases, explicit examples and coverage ones included."""
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)
    emails = case.body.get("emails") if isinstance(case.body, dict) else None
    if case.meta.generation.mode.is_positive and isinstance(emails, list):
        # Distinct generated addresses stay distinct (and repeated ones repeated), so duplicates are still tested.
        distinct = list(dict.fromkeys(emails))
        case.body["emails"] = [f"person{distinct.index(email)}@example.com" for email in emails]
    projects = case.body.get("projects") if isinstance(case.body, dict) else None
    if isinstance(projects, list):
        ids = list(Project.objects.filter(organization__slug="acme").order_by("pk").values_list("pk", flat=True))
        for grant in projects:
            if isinstance(grant, dict) and type(grant.get("project_id")) is int:
                grant["project_id"] = ids[grant["project_id"] % len(ids)]
