"""The Members page's rows (members/member_list.py, members/sortkeys.py): stored folded keys kept current,
accent- and case-blind search, keyset pages a user can follow both ways and to the end, counts exact when small
and estimated past the limit, and a fixed number of queries wherever the page is."""

from __future__ import annotations

import re
from html import unescape

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import member_list
from members.member_list import Query, about, decode_cursor, encode_cursor
from members.models import Invitation, InvitationProject, Membership, ProjectMembership, User
from members.selectors import attach_row_details
from members.sortkeys import fold, membership_keys
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory


def url(organization, query: str = "") -> str:
    return reverse("members:members", args=[organization.slug]) + query


def emails(response) -> list[str]:
    return [row.email for row in response.context["rows"]]


def link(response, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}"', response.content.decode())
    return unescape(match.group(1)) if match else None


def bulk_members(organization, count: int) -> None:
    users = User.objects.bulk_create(
        User(email=f"p{n:04}@example.com", name=f"Person {n % 7} {n:04}") for n in range(count)
    )
    Membership.objects.bulk_create(Membership(organization=organization, user=user) for user in users)
    Invitation.objects.bulk_create(
        InvitationFactory.build(organization=organization, email=f"inv{n:03}@example.com", invited_by=None)
        for n in range(count // 10)
    )


def bulk_members_analyzed(organization, count: int) -> None:
    """``bulk_members``, then ANALYZE, so that PostgreSQL's estimate of the rows is the one a live database has."""
    bulk_members(organization, count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- keys ----------------------------------------------------------------------------------------------------


def test_fold_ignores_case_and_accents():
    assert fold("  García ") == "garcia" and fold("ÉMILE Zola") == "emile zola" and fold("Straße") == "strasse"
    # Plain ASCII takes a shortcut (issue 17): the same answer as the full path, which "x" + "é" forces.
    for text in ("Ann O'Neil-Smith", "BOB@Example.COM", "x_y.z+Tag@host.io"):
        assert fold(text) == fold(text + "é")[:-1] == text.lower()
    assert fold("\t Ann \n") == "ann"


def test_keys_are_stored_on_create_and_bulk_create_and_follow_a_name_change(organization):
    membership = MembershipFactory(organization=organization, user__name="José Núñez", user__email="JN@example.com")
    assert (membership.sort_name, membership.search_key) == membership_keys(membership.user)
    assert membership.sort_name == "jose nunez"
    user = User.objects.get(pk=membership.user_id)
    user.name = "Ángela"
    user.save()
    membership.refresh_from_db()
    assert membership.sort_name == "angela" and membership.search_key == "angela\x1fjn@example.com"
    zoe = User.objects.create_user(email="zb@example.com", name="Zoë Bulk")
    [bulk] = Membership.objects.bulk_create([Membership(organization=organization, user=zoe)])
    assert Membership.objects.get(pk=bulk.pk).sort_name == "zoe bulk"
    invitation = InvitationFactory(organization=organization, email="Ölaf@Example.com")
    assert Invitation.objects.get(pk=invitation.pk).sort_name == "olaf@example.com"


def test_search_ignores_accents_and_case(owner_client, organization):
    MembershipFactory(organization=organization, user__name="María García", user__email="mg@example.com")
    InvitationFactory(organization=organization, email="garcía.invitee@example.com")
    MembershipFactory(organization=organization, user__name="Garcon", user__email="other@example.com")
    for q in ("garcia", "GARCÍA", "Garcia"):
        assert sorted(emails(owner_client.get(url(organization, f"?q={q}")))) == [
            "garcía.invitee@example.com",
            "mg@example.com",
        ], q
    assert emails(owner_client.get(url(organization, "?q=100%25"))) == []  # LIKE wildcards are literal


# --- pages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["name", "-name", "role", "-role", "date", "-date"])
def test_following_next_visits_every_row_once_in_order_and_previous_comes_back(owner_client, organization, sort):
    bulk_members(organization, 130)  # + the owner + 13 invitations = 144 rows, 3 pages
    everything = attach_row_details(organization, member_list.fetch_keys(organization, Query(sort=sort), limit=500))
    seen, pages, next_link = [], [], url(organization, f"?sort={sort}")
    while next_link:
        response = owner_client.get(url(organization, next_link) if next_link.startswith("?") else next_link)
        pages.append(response)
        seen += emails(response)
        next_link = link(response, "next")
    assert len(pages) == 3 and len(seen) == len(set(seen)) == 144
    assert [p.context["page"].number for p in pages] == [1, 2, 3]
    assert "Page 3 of 3" in pages[-1].content.decode() and link(pages[-1], "last") is None
    assert seen == [row.email for row in everything]  # one page after another is the whole order
    back = owner_client.get(url(organization, link(pages[2], "prev")))
    assert emails(back) == emails(pages[1]) and back.context["page"].number == 2
    first = owner_client.get(url(organization, link(pages[1], "first")))
    assert emails(first) == emails(pages[0]) and link(first, "prev") is None


def test_the_last_page_lines_up_with_the_pages_from_the_front(owner_client, organization):
    bulk_members(organization, 130)
    last = owner_client.get(url(organization, link(owner_client.get(url(organization)), "last")))
    third = owner_client.get(url(organization, "?page=3"))  # an old-style link still works
    assert emails(last) == emails(third) and len(emails(last)) == 44
    assert last.context["page"].number == 3 and "Showing 101\u2013144 of 144 people." in last.content.decode()
    assert emails(owner_client.get(url(organization, link(last, "prev")))) == emails(
        owner_client.get(url(organization, "?page=2"))
    )


@pytest.mark.parametrize(
    "query",
    ["?after=garbage", "?before=%%%", "?after=WzEsMiwzXQ", "?page=-4", "?page=abc", "?sort=date&after=WyJ4IiwwLDFd"],
)
def test_malformed_links_show_the_first_page(owner_client, organization, query):
    bulk_members(organization, 60)
    response = owner_client.get(url(organization, query))
    assert response.status_code == 200 and response.context["page"].number == 1 and len(emails(response)) == 50


def test_a_cursor_past_the_end_shows_the_last_page(owner_client, organization):
    bulk_members(organization, 60)
    response = owner_client.get(url(organization, "?page=9&after=" + encode_cursor(("zzzz", 1, 10**9))))
    assert response.status_code == 200 and response.context["page"].number == 2 and not link(response, "next")


def test_cursors_round_trip_and_reject_another_sorts_shape():
    from datetime import UTC, datetime

    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert decode_cursor(encode_cursor((moment, 1, 7)), Query(sort="-date")) == (moment, 1, 7)
    assert decode_cursor(encode_cursor(("owner", "ann", 0, 7)), Query(sort="role")) == ("owner", "ann", 0, 7)
    assert decode_cursor(encode_cursor(("ann", 0, 7)), Query(sort="role")) is None
    assert decode_cursor(encode_cursor(("ann", 5, 7)), Query()) is None


def test_queries_are_the_same_on_the_first_a_middle_and_the_last_page(owner_client, organization):
    # Every page holds members and invitations (an invitation every ten addresses), like the first.
    users = User.objects.bulk_create(User(email=f"a{n:04}@example.com") for n in range(200))
    Membership.objects.bulk_create(Membership(organization=organization, user=user) for user in users)
    Invitation.objects.bulk_create(
        InvitationFactory.build(organization=organization, email=f"a{n:04}.inv@example.com", invited_by=None)
        for n in range(0, 200, 10)
    )
    # allauth's user-sessions middleware records a session on its first request: warm it up first.
    owner_client.get(url(organization, ""))
    counts = []
    for query in ("", member_list.link_to_page(organization, 3), "?last=1", "?q=a01"):
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url(organization, query)).status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


@pytest.mark.parametrize("filters", ["two_factor=on", "two_factor=off", "project=PROJECT"])
def test_filtered_pages_cost_the_same_on_the_first_a_middle_and_the_last_page(owner_client, organization, filters):
    project = ProjectFactory(organization=organization)
    users = User.objects.bulk_create(User(email=f"a{n:04}@example.com") for n in range(300))
    Membership.objects.bulk_create(Membership(organization=organization, user=user) for user in users)
    Authenticator.objects.bulk_create(Authenticator(user=u, type=Authenticator.Type.TOTP, data={}) for u in users[::2])
    ProjectMembership.objects.bulk_create(
        ProjectMembership(project=project, user=u, role="read_only") for u in users[1::2]
    )
    invitations = Invitation.objects.bulk_create(
        InvitationFactory.build(organization=organization, email=f"a{n:04}.inv@example.com", invited_by=None)
        for n in range(0, 300, 10)
    )
    InvitationProject.objects.bulk_create(
        InvitationProject(invitation=i, project=project, role="admin") for i in invitations
    )
    filters = filters.replace("PROJECT", str(project.pk))
    query = Query(**dict([filters.split("=")]))
    owner_client.get(url(organization, ""))  # the session's first request records it: warm it up first
    counts, seen = [], set()
    for link in ("?", member_list.link_to_page(organization, 2, query) + "&", "?last=1&"):
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(url(organization, link + filters))
        counts.append(len(queries))
        seen |= set(emails(response))
        assert response.context["page"].count > 100 and response.context["filters"] == {
            **Query().__dict__,
            **query.__dict__,
        }
    assert len(set(counts)) == 1 and len(seen) > 100, counts


# --- counts --------------------------------------------------------------------------------------------------


def test_about_rounds_large_counts():
    assert (
        about(1_234_567) == "about 1.2 million"
        and about(98_765) == "about 99,000"
        and about(2_000_000) == ("about 2 million")
    )


def test_small_counts_are_exact(owner_client, organization):
    bulk_members(organization, 60)
    response = owner_client.get(url(organization))
    assert "Showing 1\u201350 of 67 people." in response.content.decode() and not response.context["page"].estimated


@pytest.mark.postgres
def test_past_the_exact_limit_postgresql_shows_an_estimate(owner_client, organization, monkeypatch):
    bulk_members_analyzed(organization, 300)
    monkeypatch.setattr(member_list, "EXACT_COUNT_LIMIT", 100)
    response = owner_client.get(url(organization))
    page = response.context["page"]
    assert page.estimated and page.count > 100
    assert f"Showing 1\u201350 of {page.count_label} people." in response.content.decode()
    assert page.count_label.startswith("about ")
    assert len(emails(response)) == 50 and link(response, "next") and link(response, "last")


@pytest.mark.postgres
def test_far_past_the_exact_limit_the_estimate_alone_answers(owner_client, organization, monkeypatch):
    bulk_members_analyzed(organization, 300)
    monkeypatch.setattr(member_list, "EXACT_COUNT_LIMIT", 20)
    monkeypatch.setattr(member_list, "ESTIMATE_TRUSTED_ABOVE", 100)
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(url(organization))
    page = response.context["page"]
    assert page.estimated and page.count > 100 and page.count_label.startswith("about ")
    assert not [q for q in queries.captured_queries if "count(*)" in q["sql"]]  # no rows counted
    assert len(emails(response)) == 50 and link(response, "next") and link(response, "last")
    monkeypatch.setattr(member_list, "ESTIMATE_TRUSTED_ABOVE", 10_000)  # an estimate near the limit: counted
    with CaptureQueriesContext(connection) as queries:
        assert owner_client.get(url(organization)).context["page"].estimated
    assert [q for q in queries.captured_queries if "count(*)" in q["sql"]]


def test_searching_an_address_matches_it_whole_wherever_it_appears(owner_client, organization):
    """The index is asked for the part before "@"; the result is still "contains the whole query"."""
    for email in ("ann@example.com", "joann@example.com", "ann@other.com", "anne@example.com"):
        MembershipFactory(organization=organization, user__name="", user__email=email)
    InvitationFactory(organization=organization, email="JoAnn@Example.com.invalid")
    found = sorted(emails(owner_client.get(url(organization, "?q=ANN%40example.com"))))
    assert found == ["JoAnn@Example.com.invalid", "ann@example.com", "joann@example.com"]
