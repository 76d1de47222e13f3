"""The members list over the API pages like the Members page (``members.member_list``): keyset pages that stay
stable while rows are added, an opaque signed cursor (forged, malformed or foreign: 400), and a query count that
does not grow with the page or the organization."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.api.app import api as ninja_api
from members.api.cursors import make_cursor
from members.models import Invitation, ProjectMembership
from tests.factories import (
    InvitationFactory,
    InvitationProjectFactory,
    MembershipFactory,
    ProjectFactory,
    ProjectMembershipFactory,
)
from tests.members.api.conftest import ApiClient, api_snapshot


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def walk(api, params: dict, *, between_pages=None) -> list[str]:
    """Every row's email, following ``next_cursor`` to the end; ``between_pages`` runs after each page."""
    emails, cursor = [], None
    while True:
        response = api.get("/api/v1/members", {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        emails += [row["email"] for row in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return emails
        if between_pages:
            between_pages()


@pytest.mark.parametrize("sort", ["name", "-name", "role", "-role", "date", "-date"])
def test_pages_stay_stable_while_rows_are_inserted(api, organization, sort):
    for n in range(7):
        MembershipFactory(organization=organization, user__email=f"m{n}@example.com", user__name=f"Mia {n}")
        InvitationFactory(organization=organization, email=f"i{n}@example.com")
    before = walk(api, {"sort": sort, "limit": 3})
    added = iter(range(4))

    def insert_rows():
        # Rows that sort first, last and in the middle arrive between the first pages (newest last: a walk
        # by date that got new rows on every page would never end, rightly).
        n = next(added, None)
        if n is None:
            return
        MembershipFactory(organization=organization, user__email=f"a{n}@example.com", user__name=f"Aaron {n}")
        MembershipFactory(organization=organization, user__email=f"z{n}@example.com", user__name=f"Zoe {n}")
        InvitationFactory(organization=organization, email=f"mia-{n}@example.com")

    during = walk(api, {"sort": sort, "limit": 3}, between_pages=insert_rows)

    original = [email for email in during if email in before]
    assert original == before  # every row that was there is listed once, in order: no repeats, no gaps
    assert len(during) == len(set(during))


def test_the_filters_apply_on_every_page(api, organization):
    for n in range(5):
        MembershipFactory(organization=organization, user__email=f"eng{n}@example.com", user__name=f"Eng {n}")
        MembershipFactory(organization=organization, user__email=f"ops{n}@example.com", user__name=f"Ops {n}")
    InvitationFactory(organization=organization, email="eng-invited@example.com")

    listed = walk(api, {"q": "eng", "status": "verified", "sort": "-name", "limit": 2})

    assert listed == [f"eng{n}@example.com" for n in (4, 3, 2, 1, 0)]


def count_queries(api, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/members", params)
    assert response.status_code == 200
    return len(queries)


def add_people(organization, count: int, start: int) -> None:
    """Members and invitations, interleaved by name, each with project access."""
    for n in range(start, start + count):
        membership = MembershipFactory(
            organization=organization, user__email=f"p{n:03}@example.com", user__name=f"{n:03} p"
        )
        ProjectMembershipFactory(user=membership.user, project__organization=organization)
        InvitationProjectFactory(invitation__organization=organization, invitation__email=f"{n:03}q@example.com")


def test_a_page_costs_the_same_queries_at_any_size_and_depth(api, organization):
    add_people(organization, 10, 0)
    api.get("/api/v1/organization")  # the token's "last used" time is written at most once a minute
    small = count_queries(api, {"limit": 5})
    add_people(organization, 60, 10)
    first = api.get("/api/v1/members", {"limit": 50}).json()

    assert count_queries(api, {"limit": 50}) == small
    assert count_queries(api, {"limit": 50, "cursor": first["next_cursor"]}) == small
    assert count_queries(api, {"limit": 50, "sort": "-date", "q": "05"}) == small


def test_a_cursor_is_opaque_and_only_valid_for_its_own_filters(api, organization):
    for n in range(3):
        MembershipFactory(organization=organization, user__email=f"m{n}@example.com")
    cursor = api.get("/api/v1/members", {"limit": 1}).json()["next_cursor"]
    assert "m0" not in cursor and "@" not in cursor  # not a readable offset or address

    assert api.get("/api/v1/members", {"limit": 1, "cursor": cursor}).status_code == 200
    for params in ({"sort": "-name"}, {"q": "m"}, {"role": "member"}, {"status": "verified"}):
        response = api.get("/api/v1/members", {"limit": 1, "cursor": cursor, **params})
        assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
        assert "another list or other filters" in response.json()["detail"]


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "o:50",
        "eyJhIjoxfQ",  # base64 JSON, unsigned
        # Shaped like ours but signed with another key: a forged position.
        signing.dumps(["0" * 16, "W10"], key="not-the-secret-key", salt="members.api.cursor", compress=True),
    ],
)
def test_forged_or_malformed_cursors_are_a_400_problem(api, cursor):
    response = api.get("/api/v1/members", {"cursor": cursor})

    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "The cursor is not valid; start again from the first page."


def test_a_signed_cursor_with_a_key_of_the_wrong_shape_is_a_400(api, organization):
    cursor = make_cursor(f"members:{organization.pk}::::name", "bm90LWEta2V5")  # ours, but not a row key

    assert api.get("/api/v1/members", {"cursor": cursor}).status_code == 400


def test_another_organizations_cursor_is_refused(api, tokens, organization, other_owner):
    other = other_owner.memberships.get().organization
    for n in range(3):
        MembershipFactory(organization=other, user__email=f"o{n}@example.com")
    foreign = ApiClient(tokens.other).get("/api/v1/members", {"limit": 1}).json()["next_cursor"]

    assert api.get("/api/v1/members", {"limit": 1, "cursor": foreign}).status_code == 400


def test_invitations_page_by_keyset_too(api, organization):
    now = timezone.now()
    for n in range(5):
        InvitationFactory(organization=organization, email=f"i{n}@example.com", sent_at=now - timedelta(minutes=n))
    first = api.get("/api/v1/invitations", {"limit": 2}).json()
    InvitationFactory(organization=organization, email="newest@example.com")  # sorts before the cursor
    rest, cursor = [], first["next_cursor"]
    while cursor:
        page = api.get("/api/v1/invitations", {"limit": 2, "cursor": cursor}).json()
        rest += [row["email"] for row in page["items"]]
        cursor = page["next_cursor"]

    assert [row["email"] for row in first["items"]] + rest == [f"i{n}@example.com" for n in range(5)]
    members_cursor = api.get("/api/v1/members", {"limit": 1}).json()["next_cursor"]
    assert api.get("/api/v1/invitations", {"cursor": members_cursor}).status_code == 400
    assert api.get("/api/v1/invitations", {"cursor": "nonsense"}).status_code == 400


@pytest.mark.parametrize("limit", [0, 201, -5])
def test_a_page_size_outside_1_to_200_is_refused_not_clamped(api, limit):
    for path in ("/api/v1/members", "/api/v1/invitations"):
        response = api.get(path, {"limit": limit})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "limit"


def test_the_schema_states_the_values_the_forms_accept(db):
    schema = ninja_api.get_openapi_schema()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/members"]["get"]["parameters"]}
    assert parameters["sort"]["enum"] == ["name", "-name", "role", "-role", "date", "-date", ""]
    assert parameters["status"]["enum"] == ["", "verified", "pending", "expired"]
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 200)
    emails = schema["components"]["schemas"]["InvitationsIn"]["properties"]["emails"]
    assert (emails["minItems"], emails["maxItems"], emails["items"]["format"]) == (1, 50, "email")


def test_an_invalid_project_role_is_refused_even_when_the_project_is_listed_again(api, organization):
    project = ProjectFactory(organization=organization)
    colleague = MembershipFactory(organization=organization)
    path = f"/api/v1/members/{colleague.pk}/projects"
    before = api_snapshot()
    twice = [{"project_id": project.pk, "role": "superuser"}, {"project_id": project.pk, "role": "admin"}]

    for response in (
        api.put(path, {"projects": twice}, content_type="application/json"),
        api.post(
            "/api/v1/invitations", {"emails": ["x@example.com"], "projects": twice}, content_type="application/json"
        ),
    ):
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {
                "field": f"project_{project.pk}",
                "message": "Select a valid choice. superuser is not one of the available choices.",
            }
        ]
    assert api_snapshot() == before

    twice[0]["role"] = "read_only"
    assert api.put(path, {"projects": twice}, content_type="application/json").status_code == 200
    assert ProjectMembership.objects.get(user=colleague.user).role == "admin"  # the last entry wins


def test_more_than_50_entries_are_refused_even_when_they_repeat_one_address(api, organization):
    response = api.post("/api/v1/invitations", {"emails": ["ada@example.com"] * 51}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["detail"] == "You can invite at most 50 addresses at a time; you entered 51."
    assert not Invitation.objects.exists()
