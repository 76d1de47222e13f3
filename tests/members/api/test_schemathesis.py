"""Schemathesis against the generated OpenAPI schema, through the WSGI app: every operation gets
generated valid and invalid input with a valid token; no answer may be a 5xx or break the schema
(status codes, content types, bodies, headers). Kept to a few examples per operation (~15 s).

Two checks about *requests* are left out; every check about responses runs. "Schema-valid data is
accepted": the schema types the body (a role is a string) while the console's forms decide what a valid
role, address or project id is, so a schema-valid but meaningless value (project 0) is rightly a 422 with
the form's message. "Schema-violating data is rejected": unknown query parameters are ignored, as HTTP
APIs usually do, rather than refused."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from members.api.app import api as ninja_api

schema = schemathesis.openapi.from_dict(ninja_api.get_openapi_schema())
schema.app = get_wsgi_application()  # requests go through the whole middleware stack, in process


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
    cache.clear()
    return tokens.valid


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_api_honours_its_schema(case, secret):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {secret}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
