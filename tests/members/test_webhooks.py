"""anymail's Postmark tracking webhook: authenticated by the shared secret (basic auth), it records
delivered/bounced/rejected on invitation emails; a wrong secret changes nothing."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client
from django.urls import reverse

from members import services
from members.models import Invitation, OutboundEmail
from tests.helpers import db_snapshot, run_worker

URL = "/anymail/postmark/tracking/"


def auth(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def post_event(payload: dict, secret: str = "webhook-user:webhook-password"):
    return Client().post(URL, data=json.dumps(payload), content_type="application/json", **auth(secret))


def delivery(message_id: str) -> dict:
    return {"RecordType": "Delivery", "MessageID": message_id, "Recipient": "new@example.com"}


def bounce(message_id: str) -> dict:
    return {"RecordType": "Bounce", "Type": "HardBounce", "MessageID": message_id, "Email": "new@example.com", "ID": 1}


def rejection(message_id: str) -> dict:
    return {"RecordType": "Bounce", "Type": "BadEmailAddress", "MessageID": message_id, "Email": "new@example.com"}


@pytest.fixture
def sent_invitation(organization, owner) -> Invitation:
    result = services.invite_members(organization, actor=owner, emails=["new@example.com"], role="member")
    [invitation] = result.invited
    run_worker()
    invitation.refresh_from_db()
    assert invitation.delivery_status == Invitation.Delivery.SENT
    return invitation


def message_id_of(invitation: Invitation) -> str:
    return OutboundEmail.objects.filter(invitation=invitation, status="sent").latest("pk").provider_message_id


def test_the_webhook_url_is_anymails(db):
    assert reverse("anymail:postmark_tracking_webhook") == URL


@pytest.mark.parametrize(
    ("event", "expected"),
    [(delivery, "delivered"), (bounce, "bounced"), (rejection, "rejected")],
)
def test_tracking_events_update_the_invitation(sent_invitation, event, expected):
    response = post_event(event(message_id_of(sent_invitation)))
    assert response.status_code == 200
    sent_invitation.refresh_from_db()
    assert sent_invitation.delivery_status == expected


def test_the_members_page_shows_a_bounced_invitation(sent_invitation, owner_client, organization):
    post_event(bounce(message_id_of(sent_invitation)))
    html = owner_client.get(reverse("members:members", args=[organization.slug])).content.decode()
    assert "Email bounced" in html


@pytest.mark.parametrize(
    "secret", ["webhook-user:wrong-password", "someone:webhook-password", "", "webhook-user:webhook-password-x"]
)
def test_a_wrong_secret_changes_nothing(sent_invitation, secret):
    before = db_snapshot()
    client = Client()
    headers = auth(secret) if secret else {}
    response = client.post(
        URL, data=json.dumps(bounce(message_id_of(sent_invitation))), content_type="application/json", **headers
    )
    assert response.status_code in {400, 401, 403}
    assert db_snapshot() == before


def test_unknown_message_ids_and_other_events_change_nothing(sent_invitation):
    before = db_snapshot()
    assert post_event(bounce("no-such-message")).status_code == 200
    open_event = {"RecordType": "Open", "MessageID": message_id_of(sent_invitation), "Recipient": "new@example.com"}
    assert post_event(open_event).status_code == 200
    assert db_snapshot() == before


def test_a_bounce_of_an_email_replaced_by_a_resend_does_not_mark_the_invitation(sent_invitation, owner):
    old_message_id = message_id_of(sent_invitation)
    services.resend_invitation(sent_invitation, actor=owner)
    post_event(bounce(old_message_id))
    sent_invitation.refresh_from_db()
    assert sent_invitation.delivery_status == Invitation.Delivery.QUEUED


def test_events_for_other_kinds_of_email_are_ignored(organization, owner, member):
    from members.models import Membership

    services.change_member_role(Membership.objects.get(user=member), actor=owner, role="owner")
    run_worker()
    outbound = OutboundEmail.objects.get()
    before = db_snapshot()
    assert post_event(bounce(outbound.provider_message_id)).status_code == 200
    assert db_snapshot() == before


# --- #11.5: never open, never a 500 -------------------------------------------------------------------------------

MALFORMED = [
    "not json",
    "[]",
    '"a string"',
    "null",
    '{"RecordType": "Bounce"}',
    '{"RecordType": "Bounce", "MessageID": "abc", "BouncedAt": 12}',
    '{"RecordType": "Bounce", "Type": "HardBounce", "MessageID": ["a"], "Email": "x"}',
    '{"RecordType": "Bounce", "Type": "HardBounce", "MessageID": {"x": 1}, "Email": 5, "ID": "x"}',
    "\xff\xfe garbage",
]


@pytest.mark.parametrize("body", MALFORMED)
def test_a_malformed_payload_is_a_400_and_changes_nothing(sent_invitation, body):
    before = db_snapshot()
    client = Client(raise_request_exception=False)
    response = client.post(URL, data=body, content_type="application/json", **auth("webhook-user:webhook-password"))
    assert response.status_code == 400, response.content[:200]
    assert db_snapshot() == before


@pytest.mark.parametrize("configured", [{}, {"WEBHOOK_SECRET": ""}])
def test_without_a_configured_secret_the_webhook_refuses_everyone(sent_invitation, settings, configured):
    settings.ANYMAIL = configured
    before = db_snapshot()
    client = Client(raise_request_exception=False)
    response = client.post(
        URL, data=json.dumps(bounce(message_id_of(sent_invitation))), content_type="application/json"
    )
    assert response.status_code == 403
    assert db_snapshot() == before
