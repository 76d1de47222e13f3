"""The Members page and its dialogs over HTTP: listing, search/filter/sort/pagination, the query
budget, the dialogs with and without htmx, refusals, and what members (read-only) see."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Invitation, Membership, MembershipEvent, OutboundEmail, User
from members.roles import OrgRole, ProjectRole
from tests.factories import (
    InvitationFactory,
    InvitationProjectFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    ProjectMembershipFactory,
    UserFactory,
)
from tests.helpers import db_snapshot, db_snapshot_without_refusals, recently_authenticated

HTMX = {"HTTP_HX_REQUEST": "true"}


def members_url(organization, **params) -> str:
    url = reverse("members:members", args=[organization.slug])
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params)
    return url


def row_emails(response) -> list[str]:
    return [row.email for row in response.context["rows"]]


# --- the page --------------------------------------------------------------------------------------


def test_page_lists_members_and_open_invitations_with_their_details(owner_client, organization, owner, member):
    project = ProjectFactory(organization=organization, name="Analytics")
    ProjectMembershipFactory(project=project, user=member, role=ProjectRole.READ_WRITE)
    pending = InvitationFactory(organization=organization, email="pending@example.com")
    InvitationProjectFactory(invitation=pending, project=project, role=ProjectRole.ADMIN)
    InvitationFactory(organization=organization, email="expired@example.com", expired=True)
    InvitationFactory(organization=organization, email="bounced@example.com", delivery_status="bounced")
    InvitationFactory(organization=organization, email="revoked@example.com", revoked=True)
    InvitationFactory(organization=organization, email="accepted@example.com", accepted=True)

    response = owner_client.get(members_url(organization))

    assert response.status_code == 200
    rows = {row.email: row for row in response.context["rows"]}
    assert set(rows) == {owner.email, member.email, "pending@example.com", "expired@example.com", "bounced@example.com"}
    assert rows[member.email].status_label == "Verified"
    assert rows[member.email].projects == [("Analytics", "Project Read-Write")]
    assert rows["pending@example.com"].status_label == "Pending"
    assert rows["pending@example.com"].projects == [("Analytics", "Project Admin")]
    assert rows["pending@example.com"].invited_by.display_name == owner.name
    assert rows["expired@example.com"].status_label == "Expired"
    assert rows["bounced@example.com"].delivery_problem == "Email bounced"
    html = response.content.decode()
    for text in ("Invite User", "Organization Role", "Actions", "Verified", "Pending", "Expired", "Email bounced"):
        assert text in html
    assert '<th scope="col"' in html and "Max Member" in html and "Analytics: Project Read-Write" in html


def test_page_escapes_user_supplied_names(owner_client, organization):
    MembershipFactory(organization=organization, user__name="<script>alert(1)</script>")
    html = owner_client.get(members_url(organization)).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_members_see_the_list_read_only(member_client, organization, owner, member):
    invitation = InvitationFactory(organization=organization)
    response = member_client.get(members_url(organization))
    html = response.content.decode()
    assert response.status_code == 200
    assert set(row_emails(response)) == {owner.email, member.email, invitation.email}
    assert "Invite User" not in html and "Actions" not in html and "Edit Role" not in html
    assert reverse("members:invite", args=[organization.slug]) not in html
    assert "dialogs.js" not in html


def test_your_own_row_says_you_and_offers_leave_organization_not_edit_role(owner_client, organization, owner, member):
    own = Membership.objects.get(user=owner)
    other = Membership.objects.get(user=member)
    html = owner_client.get(members_url(organization)).content.decode()

    assert (
        '<span class="member-name truncate" title="Olivia Owner">Olivia Owner</span> <span class="muted">(you)</span>'
        in html
    )
    assert html.count("(you)") == 1 and "Actions for you (owner@example.com)" in html
    assert f'<a href="{reverse("members:leave", args=[organization.slug])}">Leave organization</a>' in html
    for name in ("members:member_edit_role", "members:member_remove"):
        assert reverse(name, args=[organization.slug, own.pk]) not in html  # nothing against yourself
        assert reverse(name, args=[organization.slug, other.pk]) in html  # the others keep Edit Role and Leave


def test_members_see_you_on_their_own_row(member_client, organization):
    html = member_client.get(members_url(organization)).content.decode()
    assert 'title="Max Member">Max Member</span> <span class="muted">(you)</span>' in html and html.count("(you)") == 1


def test_another_organizations_page_is_a_404(owner_client, other_owner):
    other = Membership.objects.get(user=other_owner).organization
    assert owner_client.get(members_url(other)).status_code == 404


def test_search_matches_name_or_email_of_members_and_invitations(owner_client, organization):
    MembershipFactory(organization=organization, user__name="Grace Hopper", user__email="gh@example.com")
    MembershipFactory(organization=organization, user__name="Alan Turing", user__email="grace-fan@example.com")
    InvitationFactory(organization=organization, email="grace.invited@example.com")
    MembershipFactory(organization=organization, user__name="Nobody", user__email="nobody@example.com")

    response = owner_client.get(members_url(organization, q="GRACE"))

    assert sorted(row_emails(response)) == ["gh@example.com", "grace-fan@example.com", "grace.invited@example.com"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("verified", {"owner@example.com", "member@example.com"}),
        ("pending", {"open@example.com"}),
        ("expired", {"late@example.com"}),
        ("", {"owner@example.com", "member@example.com", "open@example.com", "late@example.com"}),
        ("bogus", {"owner@example.com", "member@example.com", "open@example.com", "late@example.com"}),
    ],
)
def test_filter_by_status(owner_client, organization, member, status, expected):
    InvitationFactory(organization=organization, email="open@example.com")
    InvitationFactory(organization=organization, email="late@example.com", expired=True)
    response = owner_client.get(members_url(organization, status=status))
    assert response.status_code == 200
    assert set(row_emails(response)) == expected


def test_filter_by_role(owner_client, organization, member):
    InvitationFactory(organization=organization, email="boss@example.com", owner=True)
    InvitationFactory(organization=organization, email="staff@example.com")
    response = owner_client.get(members_url(organization, role="owner"))
    assert set(row_emails(response)) == {"owner@example.com", "boss@example.com"}


def test_sort_by_name_role_and_date(owner_client, organization, owner):
    now = timezone.now()
    MembershipFactory(organization=organization, user__name="zed", user__email="z@example.com", created_at=now)
    MembershipFactory(
        organization=organization, user__name="Amy", user__email="amy@example.com", created_at=now - timedelta(days=9)
    )
    InvitationFactory(organization=organization, email="bob@example.com", sent_at=now - timedelta(days=1), owner=True)
    Membership.objects.filter(user=owner).update(created_at=now - timedelta(days=30))

    by_name = row_emails(owner_client.get(members_url(organization, sort="name")))
    assert by_name == ["amy@example.com", "bob@example.com", "owner@example.com", "z@example.com"]  # Olivia Owner
    assert row_emails(owner_client.get(members_url(organization, sort="-name"))) == by_name[::-1]
    by_date = row_emails(owner_client.get(members_url(organization, sort="-date")))
    assert by_date == ["z@example.com", "bob@example.com", "amy@example.com", "owner@example.com"]
    by_role = row_emails(owner_client.get(members_url(organization, sort="-role")))
    assert set(by_role[:2]) == {"bob@example.com", "owner@example.com"}


def test_pages_hold_fifty_rows_and_link_to_the_next(owner_client, organization):
    users = UserFactory.build_batch(60)
    for n, user in enumerate(users):
        user.email = f"person{n:03}@example.com"
    User.objects.bulk_create(users)
    Membership.objects.bulk_create(
        Membership(organization=organization, user=user) for user in User.objects.filter(email__startswith="person")
    )

    first = owner_client.get(members_url(organization, sort="name"))
    second = owner_client.get(members_url(organization, sort="name", page=2))

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 11
    assert not set(row_emails(first)) & set(row_emails(second))
    assert "page=2" in first.content.decode() and "Page 1 of 2" in first.content.decode()


def _bulk_members(organization, count: int, start: int = 0) -> None:
    users = [User(email=f"bulk{n:05}@example.com", name=f"Bulk Person {n:05}") for n in range(start, start + count)]
    User.objects.bulk_create(users)
    created = User.objects.filter(email__in=[u.email for u in users])
    Membership.objects.bulk_create(
        Membership(organization=organization, user=user, invited_by=None) for user in created
    )
    project = organization.projects.first()
    from members.models import ProjectMembership

    ProjectMembership.objects.bulk_create(
        ProjectMembership(project=project, user=user, role=ProjectRole.READ_ONLY) for user in created
    )


def test_page_queries_do_not_grow_with_the_organization(owner_client, organization, owner):
    ProjectFactory(organization=organization, name="Main")
    for n in range(3):
        invitation = InvitationFactory(organization=organization, email=f"a-invitee{n}@example.com")
        InvitationProjectFactory(invitation=invitation, project=organization.projects.first())
    _bulk_members(organization, 10)
    url = members_url(organization)
    owner_client.get(url)  # the session's first request records it for the Sessions page; count from the second

    with CaptureQueriesContext(connection) as small:
        response = owner_client.get(url)
    assert response.status_code == 200 and len(response.context["rows"]) == 14

    _bulk_members(organization, 990, start=10)
    with CaptureQueriesContext(connection) as large:
        response = owner_client.get(url)
    assert response.status_code == 200 and len(response.context["rows"]) == 50
    assert response.context["page"].count == 1004 and not response.context["page"].estimated

    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 20, len(large)


# --- dialogs without JavaScript ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "members:invite",
        "members:member_edit_role",
        "members:member_remove",
        "members:invitation_resend",
        "members:invitation_revoke",
    ],
)
def test_each_dialog_is_a_full_page_with_a_csrf_protected_form(owner_client, organization, member, name):
    invitation = InvitationFactory(organization=organization)
    membership = Membership.objects.get(user=member)
    kwargs = {"org_slug": organization.slug}
    if name.startswith("members:member_"):
        kwargs["membership_id"] = membership.pk
    elif name.startswith("members:invitation_"):
        kwargs["invitation_id"] = invitation.pk
    before = db_snapshot()

    response = owner_client.get(reverse(name, kwargs=kwargs))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert 'id="dialog-title"' in html
    assert db_snapshot() == before


def test_invite_page_shows_the_product_labels_and_note(owner_client, organization):
    ProjectFactory(organization=organization, name="Production")
    html = owner_client.get(reverse("members:invite", args=[organization.slug])).content.decode()
    for label in ("New User(s)", "Organization Role", "Organization Owner", "Organization Member", "Invite"):
        assert label in html
    assert "Project Access" in html and "(Optional)" in html and "Production" in html
    assert "read-only permissions on the organization, including organization settings and billing" in html


def test_invite_post_invites_and_redirects_with_a_flash_message(owner_client, organization, member):
    InvitationFactory(organization=organization, email="already@example.com")
    project = ProjectFactory(organization=organization)

    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]),
        {
            "emails": "new1@example.com, NEW1@example.com\nnew2@Example.COM member@example.com already@example.com",
            "role": "member",
            f"project_{project.pk}": "read_only",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == members_url(organization)
    assert sorted(Invitation.objects.filter(status="pending").values_list("email", flat=True)) == [
        "already@example.com",
        "new1@example.com",
        "new2@example.com",
    ]
    html = response.content.decode()
    assert "2 invitations sent" in html
    assert "member@example.com is already a member" in html
    assert "already@example.com already has a pending invitation" in html and "Resend invitation" in html
    assert "NEW1@example.com was listed more than once" in html


def test_invite_keeps_the_names_pasted_with_the_addresses(owner_client, organization):
    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "Dave Smith <dave@example.com>; eve@example.com", "role": "member"},
    )
    assert response.status_code == 302
    names = dict(Invitation.objects.values_list("email", "name"))
    assert names == {"dave@example.com": "Dave Smith", "eve@example.com": ""}


def test_inviting_only_people_already_in_keeps_the_dialog_open_with_the_reasons(owner_client, organization, member):
    InvitationFactory(organization=organization, email="already@example.com")
    before = db_snapshot()

    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "Already@example.com member@example.com", "role": "member"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "member@example.com is already a member of Acme Corp; not invited." in html
    assert "already@example.com already has a pending invitation; not invited again." in html
    assert db_snapshot() == before


def test_invite_with_a_malformed_address_creates_nothing_and_lists_each(owner_client, organization):
    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "good@example.com, bad@, also bad", "role": "member"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "“bad@” is not a valid email address." in html
    assert "“also” is not a valid email address." in html and "“bad” is not a valid email address." in html
    assert not Invitation.objects.exists() and not OutboundEmail.objects.exists()


def test_invite_over_the_daily_limit_is_a_clear_message_not_a_500(owner_client, organization, settings):
    settings.INVITATIONS_PER_ORGANIZATION_PER_DAY = 1
    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]), {"emails": "a@example.com b@example.com", "role": "member"}
    )
    assert response.status_code == 200
    assert "This organization can send 1 invitations a day" in response.content.decode()
    assert not Invitation.objects.exists()


def test_invite_with_a_forged_project_of_another_organization_creates_nothing(owner_client, organization):
    foreign = ProjectFactory(organization=OrganizationFactory())
    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]),
        {"emails": "x@example.com", "role": "member", f"project_{foreign.pk}": "admin"},
    )
    assert response.status_code == 200
    assert "not in this organization" in response.content.decode()
    assert not Invitation.objects.exists()


def test_edit_role_saves_and_redirects(owner_client, organization, member):
    recently_authenticated(owner_client)  # owner changes ask for the password again (#10.5)
    membership = Membership.objects.get(user=member)
    response = owner_client.post(
        reverse("members:member_edit_role", args=[organization.slug, membership.pk]), {"role": "owner"}, follow=True
    )
    membership.refresh_from_db()
    assert membership.role == OrgRole.OWNER
    assert "Max Member is now Organization Owner." in response.content.decode()


def test_edit_role_of_yourself_is_not_offered_and_says_why(owner_client, organization, owner):
    recently_authenticated(owner_client)
    MembershipFactory(organization=organization, owner=True)  # not the last owner: only "yourself" is in the way
    membership = Membership.objects.get(user=owner)
    url = reverse("members:member_edit_role", args=[organization.slug, membership.pk])
    before = db_snapshot()

    dialog = owner_client.post(url, {"role": "member"}, **HTMX)
    page = owner_client.get(url, follow=True)

    assert dialog.status_code == 200 and dialog["HX-Redirect"] == members_url(organization)
    assert "You cannot change your own Organization Role." in page.content.decode()
    assert db_snapshot() == before


def test_leave_removes_the_member(owner_client, organization, member):
    membership = Membership.objects.get(user=member)
    response = owner_client.post(reverse("members:member_remove", args=[organization.slug, membership.pk]))
    assert response.status_code == 302 and response["Location"] == members_url(organization)
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_leave_on_your_own_row_goes_to_the_leave_organization_page(owner_client, organization, owner, method):
    recently_authenticated(owner_client)
    MembershipFactory(organization=organization, owner=True)
    membership = Membership.objects.get(user=owner)
    before = db_snapshot()

    response = getattr(owner_client, method)(reverse("members:member_remove", args=[organization.slug, membership.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("members:leave", args=[organization.slug])
    assert db_snapshot() == before  # the Leave organization page asks, in the first person


def test_revoke_and_resend_redirect_with_messages(owner_client, organization):
    invitation = InvitationFactory(organization=organization, email="inv@example.com")
    resend = owner_client.post(
        reverse("members:invitation_resend", args=[organization.slug, invitation.pk]), follow=True
    )
    assert "Invitation sent again to inv@example.com." in resend.content.decode()
    revoke = owner_client.post(
        reverse("members:invitation_revoke", args=[organization.slug, invitation.pk]), follow=True
    )
    assert "Invitation to inv@example.com revoked." in revoke.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED


def test_revoked_or_accepted_invitations_have_no_dialogs_only_a_409_that_says_why(owner_client, organization):
    for invitation, why in (
        (InvitationFactory(organization=organization, revoked=True), "it was revoked"),
        (InvitationFactory(organization=organization, accepted=True), "it was accepted"),
    ):
        for name in ("members:invitation_resend", "members:invitation_revoke"):
            url = reverse(name, args=[organization.slug, invitation.pk])
            before = db_snapshot()
            for response in (owner_client.get(url), owner_client.post(url)):
                assert response.status_code == 409
                page = response.content.decode()
                assert f"This invitation is no longer pending: {why}." in page
                assert f'href="{reverse("members:members", args=[organization.slug])}"' in page
            assert db_snapshot() == before


def test_ids_from_another_organization_are_404s(owner_client, organization, other_owner):
    other_org = Membership.objects.get(user=other_owner).organization
    foreign_membership = Membership.objects.get(user=other_owner)
    foreign_invitation = InvitationFactory(organization=other_org)
    before = db_snapshot()
    for name, obj in (
        ("members:member_edit_role", foreign_membership),
        ("members:member_remove", foreign_membership),
        ("members:invitation_resend", foreign_invitation),
        ("members:invitation_revoke", foreign_invitation),
    ):
        url = reverse(name, args=[organization.slug, obj.pk])
        assert owner_client.get(url).status_code == 404
        assert owner_client.post(url, {"role": "member"}).status_code == 404
    assert db_snapshot() == before


def test_posts_need_a_csrf_token(organization, owner, member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    membership = Membership.objects.get(user=member)
    before = db_snapshot()
    response = client.post(reverse("members:member_remove", args=[organization.slug, membership.pk]))
    assert response.status_code == 403
    assert db_snapshot_without_refusals() == before  # the refusal itself is audited (#11.6)
    assert MembershipEvent.objects.get(action="refused").detail.startswith("csrf: members:member_remove:")


def test_get_is_not_allowed_to_change_anything_even_with_query_parameters(owner_client, organization, member):
    membership = Membership.objects.get(user=member)
    before = db_snapshot()
    owner_client.get(reverse("members:member_edit_role", args=[organization.slug, membership.pk]), {"role": "owner"})
    owner_client.get(reverse("members:invite", args=[organization.slug]), {"emails": "x@example.com", "role": "member"})
    assert db_snapshot() == before


# --- dialogs with htmx ---------------------------------------------------------------------------


def test_htmx_get_renders_only_the_dialog_partial(owner_client, organization):
    response = owner_client.get(reverse("members:invite", args=[organization.slug]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" in html and 'id="dialog-title"' in html
    assert 'hx-post="' in html and 'hx-target="#member-dialog"' in html


def test_htmx_errors_render_inside_the_dialog(owner_client, organization):
    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]), {"emails": "nope", "role": "member"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "“nope” is not a valid email address." in html and 'aria-invalid="true"' in html


def test_htmx_success_redirects_the_page_with_hx_redirect(owner_client, organization):
    response = owner_client.post(
        reverse("members:invite", args=[organization.slug]), {"emails": "ok@example.com", "role": "member"}, **HTMX
    )
    assert response["HX-Redirect"] == members_url(organization)
    assert Invitation.objects.filter(email="ok@example.com").exists()


def test_each_row_menu_opens_its_dialog_with_or_without_javascript(owner_client, organization, member):
    """The menu's links lead to the dialog's own page (no JavaScript) and htmx loads that same page's
    partial into the one <dialog> of the Members page."""
    invitation = InvitationFactory(organization=organization, email="pending@example.com")
    membership = Membership.objects.get(user=member)
    html = owner_client.get(members_url(organization)).content.decode()
    slug = organization.slug
    dialogs = {
        "Edit Role": reverse("members:member_edit_role", args=[slug, membership.pk]),
        "Leave": reverse("members:member_remove", args=[slug, membership.pk]),
        "Resend invitation": reverse("members:invitation_resend", args=[slug, invitation.pk]),
        "Revoke Invitation": reverse("members:invitation_revoke", args=[slug, invitation.pk]),
    }
    links = {(a["text"], a.get("href"), a.get("hx-get"), a.get("hx-target")) for a in anchors(html)}
    assert '<dialog id="member-dialog"' in html and "js/dialogs.js" in html
    for label, url in dialogs.items():
        assert (label, url, url, "#member-dialog") in links, label
        page, partial = owner_client.get(url), owner_client.get(url, **HTMX)
        assert page.status_code == partial.status_code == 200
        assert "<html" in page.content.decode() and "<html" not in partial.content.decode()
    assert "<script>" not in html and "style=" not in html and "onclick" not in html


def anchors(html: str) -> list[dict[str, str]]:
    """Every <a> of the page: its attributes and its text."""

    class Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[dict[str, str]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self.found.append({name: value or "" for name, value in attrs} | {"text": ""})

        def handle_data(self, data: str) -> None:
            if self.found and self.lasttag == "a":
                self.found[-1]["text"] += data.strip()

    parser = Parser()
    parser.feed(html)
    return parser.found


def test_every_action_writes_one_audit_row_with_the_client_ip(owner_client, organization, member):
    recently_authenticated(owner_client)  # owner changes ask for the password again (#10.5)
    invitation = InvitationFactory(organization=organization)
    membership = Membership.objects.get(user=member)
    slug = organization.slug
    owner_client.post(reverse("members:invite", args=[slug]), {"emails": "n@example.com", "role": "member"})
    owner_client.post(reverse("members:invitation_resend", args=[slug, invitation.pk]))
    owner_client.post(reverse("members:invitation_revoke", args=[slug, invitation.pk]))
    owner_client.post(reverse("members:member_edit_role", args=[slug, membership.pk]), {"role": "owner"})
    owner_client.post(reverse("members:member_remove", args=[slug, membership.pk]))
    actions = list(MembershipEvent.objects.order_by("pk").values_list("action", "ip_address"))
    assert actions == [
        ("invited", "127.0.0.1"),
        ("invitation_resent", "127.0.0.1"),
        ("invitation_revoked", "127.0.0.1"),
        ("role_changed", "127.0.0.1"),
        ("member_removed", "127.0.0.1"),
    ]


# --- Dialogs whose row changed, with htmx: the answer is a dialog saying why, and the table refreshes ---

HTMX_FROM_PAGE = {"HX-Request": "true", "HX-Current-URL": "http://testserver/o/acme/members/?q=a"}


def assert_dialog_problem(response, *, status: int, text: str, refresh: bool) -> None:
    assert response.status_code == status
    assert response["HX-Retarget"] == "#member-dialog"
    assert response["HX-Reswap"] == "innerHTML"
    assert response["HX-Reselect"] == ".dialog-problem"
    assert (response.get("HX-Trigger") == "members-changed") is refresh
    page = response.content.decode()
    assert '<div class="dialog-problem">' in page and "<html" not in page  # the dialog's content, not a page
    assert text in page
    assert 'href="/o/acme/members/?q=a"' in page  # Close: back to the page as the user left it


def test_a_stale_revoke_or_resend_with_htmx_answers_409_in_the_dialog_and_refreshes_the_table(
    owner_client, organization
):
    invitation = InvitationFactory(organization=organization, revoked=True)
    for name in ("members:invitation_revoke", "members:invitation_resend"):
        before = db_snapshot()
        response = owner_client.post(reverse(name, args=[organization.slug, invitation.pk]), headers=HTMX_FROM_PAGE)
        assert_dialog_problem(
            response, status=409, text="This invitation is no longer pending: it was revoked.", refresh=True
        )
        assert db_snapshot() == before


def test_edit_role_or_leave_of_a_removed_member_with_htmx_answers_404_in_the_dialog(owner_client, organization, member):
    membership_id = Membership.objects.get(user=member).pk
    Membership.objects.filter(pk=membership_id).delete()  # another owner removed them first
    for name in ("members:member_edit_role", "members:member_remove"):
        before = db_snapshot()
        response = owner_client.post(
            reverse(name, args=[organization.slug, membership_id]), {"role": "owner"}, headers=HTMX_FROM_PAGE
        )
        assert_dialog_problem(
            response, status=404, text="This person is no longer a member of Acme Corp.", refresh=True
        )
        assert db_snapshot() == before


def test_a_refused_htmx_request_says_why_in_the_dialog(member_client, organization):
    before = db_snapshot()
    response = member_client.post(
        reverse("members:invite", args=[organization.slug]), {"emails": "x@example.com"}, headers=HTMX_FROM_PAGE
    )
    assert_dialog_problem(response, status=403, text="Only an Organization Owner can do this.", refresh=False)
    assert db_snapshot_without_refusals() == before  # the refusal itself is audited (#11.6)


def test_a_forged_current_url_is_not_linked(owner_client, organization):
    invitation = InvitationFactory(organization=organization, revoked=True)
    response = owner_client.get(
        reverse("members:invitation_revoke", args=[organization.slug, invitation.pk]),
        headers={"HX-Request": "true", "HX-Current-URL": "javascript:alert(1)"},
    )
    assert response.status_code == 409
    assert "javascript:" not in response.content.decode()


def test_the_403_page_says_who_can_do_it(member_client, organization):
    response = member_client.get(reverse("members:invite", args=[organization.slug]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "ask an Organization Owner of the organization to change your role" in page
    assert "owner or admin" not in page  # there is no admin role


# --- #11.2: the dialogs say when a person's pending invitations will be revoked -----------------------------------


@pytest.fixture
def co_owner_with_pending(organization):
    from tests.factories import InvitationFactory, MembershipFactory

    membership = MembershipFactory(organization=organization, user__email="co@example.com", owner=True)
    InvitationFactory(organization=organization, invited_by=membership.user, email="alt@example.com")
    return membership


def test_the_leave_dialog_says_the_pending_invitations_will_be_revoked(
    owner_client, organization, co_owner_with_pending, member
):
    from members.models import Membership

    with_pending = owner_client.get(
        reverse("members:member_remove", args=[organization.slug, co_owner_with_pending.pk])
    )
    without = owner_client.get(
        reverse("members:member_remove", args=[organization.slug, Membership.objects.get(user=member).pk])
    )

    assert "invitation they sent that is still pending will be revoked" in with_pending.content.decode()
    assert "will be revoked" not in without.content.decode()


def test_the_edit_role_dialog_says_so_for_an_owner_with_pending_invitations(
    owner_client, organization, co_owner_with_pending
):
    page = owner_client.get(reverse("members:member_edit_role", args=[organization.slug, co_owner_with_pending.pk]))

    assert "If they are no longer an Organization Owner, the invitation they sent" in page.content.decode()


def test_the_leave_organization_page_says_so(organization, co_owner_with_pending):
    from tests.conftest import client_for

    page = client_for(co_owner_with_pending.user).get(reverse("members:leave", args=[organization.slug]))

    assert "The invitation you sent that is still pending will be revoked" in page.content.decode()


# --- #11.7: members see only the projects they may see ---------------------------------------------------------------


def test_members_see_only_the_project_names_they_may_see(member_client, owner_client, organization, member):
    from tests.factories import (
        InvitationFactory,
        InvitationProjectFactory,
        MembershipFactory,
        ProjectFactory,
        ProjectMembershipFactory,
    )

    secret, shared = (
        ProjectFactory(organization=organization, name="Secret Merger"),
        ProjectFactory(organization=organization, name="Shared Space"),
    )
    colleague = MembershipFactory(organization=organization, user__email="colleague@example.com").user
    ProjectMembershipFactory(project=secret, user=colleague)
    ProjectMembershipFactory(project=shared, user=colleague)
    ProjectMembershipFactory(project=shared, user=member)
    InvitationProjectFactory(invitation=InvitationFactory(organization=organization), project=secret)

    as_member = member_client.get(members_url(organization)).content.decode()
    as_owner = owner_client.get(members_url(organization)).content.decode()

    assert "Shared Space" in as_member and "Secret Merger" not in as_member
    assert "Secret Merger" in as_owner


def test_revoke_past_the_address_email_cap_is_refused_in_the_dialog_and_changes_nothing(
    owner_client, organization, owner, settings
):
    from members import services

    [invitation] = services.invite_members(organization, actor=owner, emails=["t@example.com"], role="member").invited
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 1  # lowered below what the address already got
    url = reverse("members:invitation_revoke", args=[organization.slug, invitation.pk])
    before = db_snapshot()

    for response in (owner_client.post(url), owner_client.post(url, headers=HTMX_FROM_PAGE)):
        assert response.status_code == 200
        assert "Nothing was changed: the invitation is still open." in response.content.decode()
    assert db_snapshot() == before
