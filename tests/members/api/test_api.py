"""The REST API over HTTP: the same services, rules, audit rows and emails as the console, problem
details, idempotency keys, rate limits, the schema and its docs page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from members.models import Invitation, Membership, MembershipEvent, OutboundEmail, ProjectMembership
from members.roles import OrgRole
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.helpers import run_worker
from tests.members.api.conftest import ApiClient, api_snapshot


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_organization_and_projects(api, organization):
    ProjectFactory(organization=organization, name="Zeta")
    ProjectFactory(organization=organization, name="Alpha")

    assert api.get("/api/v1/organization").json() == {"slug": "acme", "name": "Acme Corp", "plan": "Free"}
    assert [p["name"] for p in api.get("/api/v1/projects").json()] == ["Alpha", "Zeta"]


def test_members_list_uses_the_pages_search_filters_sort_and_cursor(api, organization, owner):
    for n in range(5):
        MembershipFactory(organization=organization, user__email=f"person{n}@example.com", user__name=f"Person {n}")
    InvitationFactory(organization=organization, email="person-invited@example.com")

    first = api.get("/api/v1/members", {"q": "person", "sort": "-name", "limit": 4}).json()
    second = api.get("/api/v1/members", {"q": "person", "sort": "-name", "limit": 4, "cursor": first["next_cursor"]})

    emails = [row["email"] for row in first["items"] + second.json()["items"]]
    assert len(emails) == 6 and len(set(emails)) == 6 and second.json()["next_cursor"] is None
    assert emails[:3] == ["person-invited@example.com", "person4@example.com", "person3@example.com"]  # Z to A
    pending = api.get("/api/v1/members", {"status": "pending"}).json()["items"]
    assert [(r["kind"], r["email"], r["status"]) for r in pending] == [
        ("invitation", "person-invited@example.com", "pending")
    ]
    owners = api.get("/api/v1/members", {"role": "owner"}).json()["items"]
    assert [r["email"] for r in owners] == [owner.email]


def test_bad_filters_and_cursors_are_problems_with_the_forms_messages(api):
    response = api.get("/api/v1/members", {"role": "admin"})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "role", "message": "Select a valid choice. admin is not one of the available choices."}
    ]
    assert api.get("/api/v1/members", {"cursor": "nonsense"}).status_code == 400


def test_change_role_goes_through_the_service_audited_with_the_token(api, organization, tokens):
    colleague = MembershipFactory(organization=organization, user__email="colleague@example.com")

    response = api.put(f"/api/v1/members/{colleague.pk}/role", {"role": "owner"}, content_type="application/json")

    assert response.status_code == 200 and response.json()["role"] == "owner"
    event = MembershipEvent.objects.get(action=MembershipEvent.Action.ROLE_CHANGED)
    assert (event.api_token, event.api_token_name, event.actor) == (
        tokens.valid_token,
        "valid",
        tokens.valid_token.created_by,
    )
    assert OutboundEmail.objects.filter(kind="role_changed", to_email="colleague@example.com").count() == 1


def test_the_token_creator_cannot_change_their_own_role_through_the_api(api, owner, organization):
    MembershipFactory(organization=organization, owner=True)  # not the last owner: the self rule alone refuses
    before = api_snapshot()
    response = api.put(
        f"/api/v1/members/{owner.memberships.get().pk}/role", {"role": "member"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert "You cannot change your own Organization Role." in response.json()["detail"]
    assert api_snapshot()["members.Membership"] == before["members.Membership"]


def test_invalid_role_gets_the_forms_message(api, organization):
    colleague = MembershipFactory(organization=organization)
    response = api.put(f"/api/v1/members/{colleague.pk}/role", {"role": "boss"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "role",
        "message": "Select a valid choice. boss is not one of the available choices.",
    }


def test_change_project_access(api, organization):
    colleague = MembershipFactory(organization=organization)
    alpha, beta = ProjectFactory(organization=organization, name="Alpha"), ProjectFactory(organization=organization)
    ProjectMembership.objects.create(project=beta, user=colleague.user, role="read_only")
    url = f"/api/v1/members/{colleague.pk}/projects"

    response = api.put(url, {"projects": [{"project_id": alpha.pk, "role": "admin"}]}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["projects"] == [{"project_id": alpha.pk, "project": "Alpha", "role": "admin"}]
    assert MembershipEvent.objects.filter(action="project_access_changed", api_token__isnull=False).count() == 1
    other = ProjectFactory()  # another organization's project
    refused = api.put(url, {"projects": [{"project_id": other.pk, "role": "admin"}]}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"] == "Project Access names a project that is not in this organization."


def test_change_project_access_emails_the_member_what_changed_like_the_console(api, organization, mailoutbox):
    colleague = MembershipFactory(organization=organization, user__email="pat@example.com")
    alpha = ProjectFactory(organization=organization, name="Alpha")
    beta = ProjectFactory(organization=organization, name="Beta")
    ProjectMembership.objects.create(project=beta, user=colleague.user, role="read_only")
    url = f"/api/v1/members/{colleague.pk}/projects"

    api.put(url, {"projects": [{"project_id": alpha.pk, "role": "admin"}]}, content_type="application/json")
    run_worker()

    [message] = [m for m in mailoutbox if m.to == ["pat@example.com"]]
    assert message.subject == "Your access to Acme Corp changed"
    assert "Alpha: added as Project Admin" in message.body and "Beta: removed" in message.body
    api.put(url, {"projects": [{"project_id": alpha.pk, "role": "admin"}]}, content_type="application/json")
    run_worker()
    assert len([m for m in mailoutbox if m.to == ["pat@example.com"]]) == 1  # nothing changed, nothing sent


def test_project_access_for_an_owner_is_refused_with_the_reason(api, organization):
    co_owner = MembershipFactory(organization=organization, role=OrgRole.OWNER)
    alpha = ProjectFactory(organization=organization)
    before = api_snapshot()

    response = api.put(
        f"/api/v1/members/{co_owner.pk}/projects",
        {"projects": [{"project_id": alpha.pk, "role": "admin"}]},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["detail"].startswith("Owners have every project as Project Admin")
    assert api_snapshot() == before


def test_inviting_an_owner_with_project_access_is_refused_with_the_reason(api, organization):
    alpha = ProjectFactory(organization=organization)
    before = api_snapshot()

    response = api.post(
        "/api/v1/invitations",
        {"emails": ["ada@example.com"], "role": "owner", "projects": [{"project_id": alpha.pk, "role": "admin"}]},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["detail"].startswith("Owners have every project as Project Admin")
    assert api_snapshot() == before


def test_remove_member_revokes_their_invitations_and_emails_them(api, organization):
    colleague = MembershipFactory(organization=organization, role=OrgRole.OWNER, user__email="leaving@example.com")
    InvitationFactory(organization=organization, invited_by=colleague.user, email="theirs@example.com")

    assert api.delete(f"/api/v1/members/{colleague.pk}").status_code == 204

    assert not Membership.objects.filter(pk=colleague.pk).exists()
    assert Invitation.objects.get(email="theirs@example.com").status == Invitation.Status.REVOKED
    assert OutboundEmail.objects.filter(kind="removed", to_email="leaving@example.com").count() == 1


def test_invite_many_reports_each_address_like_the_dialog(api, organization):
    MembershipFactory(organization=organization, user__email="already@example.com")
    InvitationFactory(organization=organization, email="open@example.com")
    project = ProjectFactory(organization=organization)
    body = {
        "emails": ["new@example.com", "NEW@example.com", "already@example.com", "open@example.com"],
        "role": "member",
        "projects": [{"project_id": project.pk, "role": "read_write"}],
    }

    response = api.post("/api/v1/invitations", body, content_type="application/json")

    assert response.status_code == 201
    results = {r["email"]: r["result"] for r in response.json()["results"]}
    assert results == {
        "new@example.com": "invited",
        "already@example.com": "already_member",
        "open@example.com": "already_invited",
        "NEW@example.com": "duplicate",
    }
    invitation = Invitation.objects.get(email="new@example.com")
    assert invitation.project_grants.get().role == "read_write"
    assert MembershipEvent.objects.get(action="invited").api_token_name == "valid"
    assert OutboundEmail.objects.filter(kind="invitation", to_email="new@example.com").count() == 1


def test_invite_refuses_malformed_addresses_with_the_forms_message_and_invites_nobody(api):
    before = api_snapshot()
    response = api.post(
        "/api/v1/invitations", {"emails": ["ok@example.com", "not-an-address"]}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "emails", "message": "“not-an-address” is not a valid email address."}
    ]
    assert api_snapshot() == before


def test_a_retried_invite_with_the_same_idempotency_key_creates_nothing_new(api):
    body = {"emails": ["once@example.com"]}
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-1"}

    first = api.post("/api/v1/invitations", body, content_type="application/json", **headers)
    after_first = api_snapshot()
    second = api.post("/api/v1/invitations", body, content_type="application/json", **headers)

    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert api_snapshot() == after_first
    other = api.post("/api/v1/invitations", {"emails": ["x@example.com"]}, content_type="application/json", **headers)
    assert other.status_code == 422 and api_snapshot() == after_first


def test_resend_and_revoke(api, organization):
    invitation = InvitationFactory(organization=organization, email="pending@example.com")
    old_nonce = invitation.nonce

    resent = api.post(f"/api/v1/invitations/{invitation.pk}/resend")
    assert resent.status_code == 200 and resent.json()["email"] == "pending@example.com"
    invitation.refresh_from_db()
    assert invitation.nonce != old_nonce

    assert api.delete(f"/api/v1/invitations/{invitation.pk}").status_code == 204
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert api.delete(f"/api/v1/invitations/{invitation.pk}").status_code == 404  # no longer open
    listed = api.get("/api/v1/invitations").json()
    assert listed == {"items": [], "next_cursor": None}


def test_rate_limit_answers_429_with_retry_after(api, settings):
    settings.API_REQUESTS_PER_MINUTE = 2
    assert api.get("/api/v1/organization").status_code == 200
    assert api.get("/api/v1/organization").status_code == 200

    response = api.get("/api/v1/organization")

    assert response.status_code == 429 and response["Content-Type"] == "application/problem+json"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_rate_limits_are_per_token(api, tokens, settings):
    settings.API_REQUESTS_PER_MINUTE = 1
    assert api.get("/api/v1/organization").status_code == 200
    assert api.get("/api/v1/organization").status_code == 429
    assert ApiClient(tokens.read_only).get("/api/v1/organization").status_code == 200


def test_schema_is_openapi_3_1_and_the_docs_page_needs_no_script(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/invitations" in schema["paths"]

    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "POST /api/v1/invitations" in page and "<script" not in page.split("</main>")[0].split("<main")[1]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_token_whose_creator_was_demoted_stops_working(api, organization, owner):
    MembershipFactory(organization=organization, role=OrgRole.OWNER, user=UserFactory())
    Membership.objects.filter(user=owner).update(role=OrgRole.MEMBER)
    assert api.get("/api/v1/organization").status_code == 401


def test_the_activity_page_names_the_token_behind_an_api_change(api, organization, owner_client):
    colleague = MembershipFactory(organization=organization)
    api.put(f"/api/v1/members/{colleague.pk}/role", {"role": "owner"}, content_type="application/json")
    event = MembershipEvent.objects.get(action="role_changed")

    listing = owner_client.get(f"/o/{organization.slug}/activity/").content.decode()
    detail = owner_client.get(f"/o/{organization.slug}/activity/{event.pk}/").content.decode()

    assert "via API token “valid”" in listing
    assert "API token “valid”" in detail and event.api_token.prefix in detail


def test_revoke_past_the_address_email_cap_is_a_409_that_changes_nothing(api, organization, settings):
    created = api.post("/api/v1/invitations", {"emails": ["t@example.com"]}, content_type="application/json")
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 1  # lowered below what the address already got
    before = api_snapshot()

    response = api.delete(f"/api/v1/invitations/{created.json()['results'][0]['invitation_id']}")

    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert "Nothing was changed: the invitation is still open." in response.json()["detail"]
    assert api_snapshot() == before
