"""Structured logs: request id, user id and organization on each line; no token, password or email body."""

from __future__ import annotations

import json

from django.urls import reverse

from tests.factories import PASSWORD


def test_a_membership_change_logs_one_json_line_with_request_user_and_org(transactional_db, owner, json_log):
    from django.test import Client

    client = Client()
    client.force_login(owner)
    response = client.post(reverse("members:organization_create"), {"name": "Globex"}, HTTP_X_REQUEST_ID="req-12345678")
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-12345678"

    lines = [line for line in json_log() if line["message"].startswith("membership.")]
    assert len(lines) == 1
    (line,) = lines
    assert line["message"] == "membership.organization_created"
    assert line["request_id"] == "req-12345678"
    assert line["user_id"] == owner.pk
    assert line["org"] == "globex"
    assert line["action"] == "organization_created"
    assert "owner@example.com" not in json.dumps(line)


def test_an_invite_logs_one_json_line_with_request_user_org_and_action_and_no_token(
    transactional_db, owner, organization, json_log
):
    from django.test import Client

    from members.models import Invitation
    from members.tokens import invitation_token_generator

    client = Client()
    client.force_login(owner)
    response = client.post(
        reverse("members:invite", args=[organization.slug]), {"emails": "newcomer@example.com", "role": "member"}
    )
    assert response.status_code == 302
    token = invitation_token_generator.make_token(Invitation.objects.get(email="newcomer@example.com"))

    lines = [line for line in json_log() if line["message"].startswith("membership.")]
    assert [line["message"] for line in lines] == ["membership.invited"]
    (line,) = lines
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["user_id"], line["org"], line["action"]) == (owner.pk, "acme", "invited")
    text = "\n".join(json.dumps(line) for line in json_log())
    assert token not in text
    assert "newcomer@example.com" not in text


def test_an_unsafe_incoming_request_id_is_replaced(client, db, json_log):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nforged: header")
    assert response["X-Request-ID"] != "bad id\nforged: header"
    assert len(response["X-Request-ID"]) == 32
    (access,) = [line for line in json_log() if line["message"] == "request"]
    assert access["request_id"] == response["X-Request-ID"]
    assert access["status"] == 200


def test_paths_are_logged_as_routes_so_tokens_in_urls_never_reach_the_logs(client, db, json_log, settings):
    settings.ROOT_URLCONF = "tests.production.urls_with_token"
    secret = "s3cr3t-t0ken-value-9f8e7d"
    client.get(f"/secret/{secret}/")
    text = "\n".join(json.dumps(line) for line in json_log())
    assert "/secret/<str:token>/" in text
    assert secret not in text


def test_sign_in_logs_no_password(client, owner, json_log, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    client.post(reverse("account_login"), {"login": owner.email, "password": "wrong-password-123"})
    text = "\n".join(json.dumps(line) for line in json_log())
    assert PASSWORD not in text
    assert "wrong-password-123" not in text
