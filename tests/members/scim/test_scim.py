"""SCIM semantics: provisioning invites or adds, deprovisioning removes or revokes under the last-owner
rule, the PATCH shapes Okta and Entra ID send, groups as projects, auth and audit."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from members.models import Invitation, Membership, MembershipEvent, OutboundEmail, ProjectMembership
from members.roles import OrgRole
from members.scim_models import ScimUser
from members.services.tokens import create_api_token
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.members.api.conftest import api_snapshot

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Scim(Client):
    def __init__(self, secret: str | None) -> None:
        super().__init__(**({"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}))

    def send(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body) if body is not None else ""
        return getattr(self, method)(f"/scim/v2{path}", data, content_type="application/scim+json")


@pytest.fixture
def scim(organization, owner) -> Scim:
    cache.clear()
    return Scim(create_api_token(organization, actor=owner, name="Okta", scopes=["scim"], expires_in_days=30).secret)


def _user(email: str, **extra) -> dict:
    return {"schemas": [USER], "userName": email, "emails": [{"value": email, "primary": True}], "active": True} | extra


def test_a_user_without_an_account_gets_an_invitation_audited_as_the_token(scim, organization):
    response = scim.send("post", "/Users", _user("new.person@example.com"))

    assert response.status_code == 201 and response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["userName"] == "new.person@example.com" and body["active"] is True
    assert response["Location"].endswith(f"/scim/v2/Users/{body['id']}")
    invitation = Invitation.objects.get(email="new.person@example.com", organization=organization)
    assert invitation.status == Invitation.Status.PENDING and invitation.role == OrgRole.MEMBER
    assert MembershipEvent.objects.get(action="invited").api_token_name == "Okta"
    assert OutboundEmail.objects.filter(kind="invitation", to_email="new.person@example.com").count() == 1


def test_a_user_with_a_verified_account_becomes_a_member_at_once_and_is_told(scim, organization):
    person = UserFactory(email="known@example.com")

    response = scim.send("post", "/Users", _user("known@example.com"))

    assert response.status_code == 201
    assert Membership.objects.get(organization=organization, user=person).role == OrgRole.MEMBER
    assert not Invitation.objects.filter(email="known@example.com").exists()
    event = MembershipEvent.objects.get(action="member_provisioned")
    assert event.api_token_name == "Okta" and event.target_email == "known@example.com"
    assert OutboundEmail.objects.filter(kind="member_added", to_email="known@example.com").count() == 1


def test_filter_by_username(scim):
    scim.send("post", "/Users", _user("ada@example.com"))
    scim.send("post", "/Users", _user("bob@example.com"))

    found = scim.get("/scim/v2/Users", {"filter": 'userName eq "ADA@example.com"'}).json()

    assert found["totalResults"] == 1 and found["Resources"][0]["userName"] == "ada@example.com"
    assert scim.get("/scim/v2/Users", {"filter": 'title co "x"'}).json()["scimType"] == "invalidFilter"


def test_okta_patch_active_false_removes_the_member(scim, organization):
    person = UserFactory(email="leaver@example.com")
    user_id = scim.send("post", "/Users", _user("leaver@example.com")).json()["id"]

    response = scim.send(
        "patch",
        f"/Users/{user_id}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )

    assert response.status_code == 200 and response.json()["active"] is False
    assert not Membership.objects.filter(organization=organization, user=person).exists()
    assert OutboundEmail.objects.filter(kind="removed", to_email="leaver@example.com").count() == 1
    assert MembershipEvent.objects.get(action="member_removed").api_token_name == "Okta"


def test_entra_patch_active_false_revokes_the_invitation(scim):
    user_id = scim.send("post", "/Users", _user("pending@example.com")).json()["id"]

    response = scim.send(
        "patch",
        f"/Users/{user_id}",
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]},
    )

    assert response.status_code == 200 and response.json()["active"] is False
    assert Invitation.objects.get(email="pending@example.com").status == Invitation.Status.REVOKED
    # Entra's re-activation brings the invitation back.
    scim.send(
        "patch",
        f"/Users/{user_id}",
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]},
    )
    assert Invitation.objects.filter(email="pending@example.com", status="pending").count() == 1


def test_delete_removes_but_never_the_last_owner(scim, organization, owner):
    user_id = scim.send("post", "/Users", _user(owner.email)).json()["id"]  # the owner is already a member
    before = api_snapshot()

    response = scim.send("delete", f"/Users/{user_id}")

    assert response.status_code == 409 and "at least one Organization Owner" in response.json()["detail"]
    assert api_snapshot() == before


def test_delete_revokes_an_invitation(scim):
    user_id = scim.send("post", "/Users", _user("gone@example.com")).json()["id"]
    assert scim.send("delete", f"/Users/{user_id}").status_code == 204
    assert Invitation.objects.get(email="gone@example.com").status == Invitation.Status.REVOKED
    assert scim.send("get", f"/Users/{user_id}").status_code == 404


def test_groups_are_projects_and_members_get_the_default_project_role(scim, organization):
    person = UserFactory(email="dev@example.com")
    user_id = scim.send("post", "/Users", _user("dev@example.com")).json()["id"]
    project = ProjectFactory(organization=organization, name="Backend")

    group = scim.send(
        "post", "/Groups", {"schemas": [GROUP], "displayName": "Backend", "members": [{"value": user_id}]}
    )

    assert group.status_code == 201
    assert ProjectMembership.objects.get(project=project, user=person).role == "read_only"
    group_id = group.json()["id"]
    scim.send(
        "patch",
        f"/Groups/{group_id}",
        {"schemas": [PATCH], "Operations": [{"op": "remove", "path": f'members[value eq "{user_id}"]'}]},
    )
    assert not ProjectMembership.objects.filter(project=project, user=person).exists()
    new_group = scim.send("post", "/Groups", {"schemas": [GROUP], "displayName": "Mobile"})
    assert new_group.status_code == 201 and organization.projects.filter(name="Mobile").exists()


@pytest.mark.parametrize("who", ["none", "read_scope", "revoked", "other_org"])
def test_refused_tokens_change_nothing(organization, owner, other_owner, who):
    cache.clear()
    if who == "none":
        secret = None
    elif who == "read_scope":
        secret = create_api_token(
            organization, actor=owner, name="r", scopes=["members:read"], expires_in_days=9
        ).secret
    elif who == "revoked":
        from members.services.tokens import revoke_api_token

        created = create_api_token(organization, actor=owner, name="x", scopes=["scim"], expires_in_days=9)
        revoke_api_token(created.token, actor=owner)
        secret = created.secret
    else:
        other = other_owner.memberships.get().organization
        secret = create_api_token(other, actor=other_owner, name="o", scopes=["scim"], expires_in_days=9).secret
    target = ScimUser.objects.create(organization=organization, user_name="x@example.com", email="x@example.com")
    before = api_snapshot()

    response = Scim(secret).send("delete", f"/Users/{target.scim_id}")

    assert response.status_code == {"none": 401, "read_scope": 403, "revoked": 401, "other_org": 404}[who]
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert api_snapshot() == before


def test_discovery(scim):
    assert scim.get("/scim/v2/ServiceProviderConfig").json()["patch"]["supported"] is True
    assert {r["id"] for r in scim.get("/scim/v2/ResourceTypes").json()["Resources"]} == {"User", "Group"}
    extension = "urn:ietf:params:scim:schemas:extension:orgconsole:2.0:Group"
    assert {s["id"] for s in scim.get("/scim/v2/Schemas").json()["Resources"]} == {USER, GROUP, extension}


def test_member_only_membership_is_kept_when_an_owner_is_provisioned(scim, organization):
    MembershipFactory(organization=organization, user__email="member2@example.com")
    assert scim.send("post", "/Users", _user("member2@example.com")).status_code == 201
    assert Membership.objects.filter(organization=organization, user__email="member2@example.com").count() == 1


def test_a_pending_invitee_in_a_group_gets_the_project_when_they_join(scim, organization):
    user_id = scim.send("post", "/Users", _user("later@example.com")).json()["id"]
    project = ProjectFactory(organization=organization, name="Data")

    group_id = scim.send(
        "post", "/Groups", {"schemas": [GROUP], "displayName": "Data", "members": [{"value": user_id}]}
    ).json()["id"]

    invitation = Invitation.objects.get(email="later@example.com")
    assert [(g.project, g.role) for g in invitation.project_grants.all()] == [(project, "read_only")]
    scim.send("put", f"/Groups/{group_id}", {"schemas": [GROUP], "displayName": "Data", "members": []})
    assert not invitation.project_grants.exists()


def test_a_groups_default_project_role_is_set_per_group(scim, organization):
    person = UserFactory(email="lead@example.com")
    user_id = scim.send("post", "/Users", _user("lead@example.com")).json()["id"]
    extension = "urn:ietf:params:scim:schemas:extension:orgconsole:2.0:Group"
    body = {"schemas": [GROUP, extension], "displayName": "Ops", "members": [{"value": user_id}]}

    response = scim.send("post", "/Groups", body | {extension: {"defaultProjectRole": "admin"}})

    assert response.status_code == 201 and response.json()[extension] == {"defaultProjectRole": "admin"}
    project = organization.projects.get(name="Ops")
    assert ProjectMembership.objects.get(project=project, user=person).role == "admin"
    group_id = response.json()["id"]
    scim.send("put", f"/Groups/{group_id}", body | {extension: {"defaultProjectRole": "read_write"}})
    assert ProjectMembership.objects.get(project=project, user=person).role == "read_write"
    bad = scim.send("put", f"/Groups/{group_id}", body | {extension: {"defaultProjectRole": "boss"}})
    assert bad.status_code == 400


def test_deprovisioning_past_the_address_email_cap_still_revokes_without_the_email(scim, settings):
    user_id = scim.send("post", "/Users", _user("capped@example.com")).json()["id"]
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 1  # no room left for the revocation email

    assert scim.send("delete", f"/Users/{user_id}").status_code == 204  # an identity provider is never refused

    assert Invitation.objects.get(email="capped@example.com").status == Invitation.Status.REVOKED
    assert not OutboundEmail.objects.filter(kind="invitation_revoked").exists()
    assert MembershipEvent.objects.get(action="invitation_revoked").api_token_name == "Okta"
