from unittest import mock

from django.db import OperationalError, connection


def test_health_check_answers_ok_without_signing_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


def test_health_check_is_503_when_the_database_does_not_answer(client, db):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("server closed the connection")):
        response = client.get("/healthz")
    assert response.status_code == 503
    # Nothing about the failure (hosts, credentials, driver messages) leaks to the caller.
    assert response.content == b"database unavailable"
