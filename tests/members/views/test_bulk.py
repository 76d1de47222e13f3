"""Bulk actions on the Members page: the page's checkboxes (or "all N matching"), a preview that lists what
each action applies to and skips and changes nothing, then one POST that runs it. Members and other
organizations change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.bulk import BULK_LIMIT
from members.member_list import PAGE_SIZE
from members.models import Invitation, Membership, MembershipEvent, OutboundEmail
from members.roles import OrgRole
from tests.conftest import client_for
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory
from tests.helpers import db_snapshot, db_snapshot_without_refusals, recently_authenticated

pytestmark = pytest.mark.django_db


def bulk_url(organization) -> str:
    return reverse("members:members_bulk", kwargs={"org_slug": organization.slug})


def test_the_members_page_offers_checkboxes_and_the_bulk_form_to_owners_only(owner_client, member_client, organization):
    members_url = reverse("members:members", kwargs={"org_slug": organization.slug})
    owner_page = owner_client.get(members_url).content.decode()
    assert 'form="bulk-form"' in owner_page and 'id="bulk-form"' in owner_page
    assert "bulk-form" not in member_client.get(members_url).content.decode()


def test_the_preview_lists_what_applies_and_what_is_skipped_and_changes_nothing(owner_client, organization, owner):
    member = MembershipFactory(organization=organization, user__email="m@example.com")
    invitation = InvitationFactory(organization=organization, email="i@example.com")
    before = db_snapshot()

    response = owner_client.get(
        bulk_url(organization), {"action": "revoke", "row": [f"m{member.pk}", f"i{invitation.pk}"]}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Applies to 1 row" in html and "i@example.com" in html
    assert "Skips 1 row" in html and "A member, not an invitation. (1)" in html and "<li>m@example.com</li>" in html
    assert f'name="row" value="i{invitation.pk}"' in html
    assert db_snapshot() == before


def test_with_htmx_the_confirmation_is_the_dialog_and_groups_the_skipped_rows_by_reason(
    owner_client, organization, owner
):
    members = MembershipFactory.create_batch(2, organization=organization)
    invitation = InvitationFactory(organization=organization, email="i@example.com")
    mine = Membership.objects.get(user=owner)
    rows = [f"m{m.pk}" for m in [*members, mine]] + [f"i{invitation.pk}"]
    before = db_snapshot()

    response = owner_client.get(
        bulk_url(organization), {"action": "remove", "row": rows}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="dialog-title">Remove<' in html
    assert f'hx-post="{bulk_url(organization)}"' in html and "data-dialog-close" in html
    assert "4 rows selected" in html and "Applies to 2 rows" in html and "Skips 2 rows" in html
    assert "That is you: use Leave organization in Settings to leave. (1)" in html
    assert "An invitation, not a member yet. (1)" in html
    assert "Yes, remove for 2" in html
    assert html.index(members[0].user.email) < html.index(members[1].user.email)  # the selection's order
    assert db_snapshot() == before


def test_with_htmx_yes_runs_it_and_reloads_the_page_and_a_refusal_stays_in_the_dialog(
    owner_client, organization, owner, settings
):
    invitations = InvitationFactory.create_batch(2, organization=organization)
    rows = [f"i{i.pk}" for i in invitations]
    htmx = {"HX-Request": "true"}

    settings.INVITATIONS_PER_INVITER_PER_DAY = 1
    before = db_snapshot()
    refused = owner_client.post(bulk_url(organization), {"action": "resend", "row": rows}, headers=htmx)
    assert refused.status_code == 200 and "<html" not in refused.content.decode()
    assert "You can send 1 invitations a day" in refused.content.decode()
    assert db_snapshot() == before

    settings.INVITATIONS_PER_INVITER_PER_DAY = 100
    done = owner_client.post(bulk_url(organization), {"action": "resend", "row": rows}, headers=htmx)
    assert done.status_code == 200 and done["HX-Redirect"] == "/o/acme/members/"
    assert MembershipEvent.objects.filter(action="invitation_resent").count() == 2


def test_the_header_box_selects_the_pages_rows_without_javascript(owner_client, organization):
    a, b = InvitationFactory.create_batch(2, organization=organization)
    page_rows = [f"i{a.pk}", f"i{b.pk}"]

    ticked = owner_client.get(bulk_url(organization), {"action": "revoke", "page": "1", "page_row": page_rows})
    unticked = owner_client.get(bulk_url(organization), {"action": "revoke", "page_row": page_rows})

    assert ticked.context["selection"].invitation_ids == [a.pk, b.pk]
    assert len(unticked.context["selection"]) == 0


def test_the_members_page_offers_all_matching_only_past_one_page(owner_client, organization):
    members_url = reverse("members:members", kwargs={"org_slug": organization.slug})
    one_page = owner_client.get(members_url).content.decode()
    assert 'data-bulk-page aria-label="Select the 1 row on this page"' in one_page
    assert "matching" not in one_page.split('id="bulk-form"')[1].split("</form>")[0]

    InvitationFactory.create_batch(PAGE_SIZE, organization=organization)
    html = owner_client.get(members_url).content.decode()
    bar = html.split('id="bulk-form"')[1].split("</form>")[0]
    # Without JavaScript: an explicit submit for every matching row; with it, an offer shown once the page is ticked.
    assert (
        f'<noscript><button type="submit" class="btn" name="all" value="1">Review all {PAGE_SIZE + 1} matching' in bar
    )
    assert f"data-bulk-select-all hidden>Select all {PAGE_SIZE + 1} matching rows" in bar
    assert bar.count('name="page_row"') == PAGE_SIZE


def test_confirming_runs_the_action_and_reports_applied_and_skipped(owner_client, organization, owner):
    a, b = MembershipFactory.create_batch(2, organization=organization)
    invitation = InvitationFactory(organization=organization)

    data = {"action": "change_role", "new_role": "owner", "row": [f"m{a.pk}", f"m{b.pk}", f"i{invitation.pk}"]}
    before = db_snapshot()
    # Making Organization Owners asks for the password again first, as Edit Role does; nothing changes till then.
    assert "reauthenticate" in owner_client.post(bulk_url(organization), data)["Location"]
    assert db_snapshot() == before

    response = recently_authenticated(owner_client).post(bulk_url(organization), data, follow=True)

    assert response.redirect_chain[-1][0].endswith("/o/acme/members/")
    html = response.content.decode()
    assert "Change role: done for 2 people" in html
    assert Membership.objects.filter(pk__in=[a.pk, b.pk], role=OrgRole.OWNER).count() == 2
    assert MembershipEvent.objects.filter(action="bulk_action").count() == 1


def test_select_all_matching_covers_every_page_of_the_filtered_rows(owner_client, organization):
    InvitationFactory.create_batch(PAGE_SIZE + 3, organization=organization)
    MembershipFactory(organization=organization)

    preview = owner_client.get(bulk_url(organization), {"action": "resend", "all": "1", "status": "pending"})
    assert f"Applies to {PAGE_SIZE + 3} rows" in preview.content.decode()

    owner_client.post(bulk_url(organization), {"action": "revoke", "row": preview.context["selection"].values()})
    assert not Invitation.objects.filter(organization=organization, status="pending").exists()


def test_nothing_selected_or_a_bad_action_is_a_clear_error(owner_client, organization):
    before = db_snapshot()
    empty = owner_client.post(bulk_url(organization), {"action": "remove"})
    bad = owner_client.post(bulk_url(organization), {"action": "explode", "row": ["m1"]})
    no_role = owner_client.get(bulk_url(organization), {"action": "change_role", "new_role": "", "row": ["m1", "junk"]})

    assert empty.status_code == 400 and "Select at least one row first." in empty.content.decode()
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    assert no_role.status_code == 200 and "Choose the Organization Role to give." in no_role.content.decode()
    assert db_snapshot() == before


def test_another_organizations_rows_are_never_touched(owner_client, organization):
    other = OrganizationFactory()
    foreign_member = MembershipFactory(organization=other)
    foreign_invitation = InvitationFactory(organization=other)
    before = db_snapshot()

    owner_client.post(bulk_url(organization), {"action": "remove", "row": [f"m{foreign_member.pk}"]})
    owner_client.post(bulk_url(organization), {"action": "revoke", "row": [f"i{foreign_invitation.pk}"]})

    after = db_snapshot()
    for label in ("members.Membership", "members.Invitation", "members.OutboundEmail"):
        assert after[label] == before[label]


@pytest.mark.parametrize("who", ["member", "other_owner"])
def test_members_and_other_organizations_change_nothing(request, organization, who):
    colleague = MembershipFactory(organization=organization)
    client = client_for(request.getfixturevalue(who))
    before, sent = db_snapshot_without_refusals(), len(mail.outbox)

    response = client.post(bulk_url(organization), {"action": "remove", "row": [f"m{colleague.pk}"]})

    assert response.status_code == (403 if who == "member" else 404)
    assert db_snapshot_without_refusals() == before and len(mail.outbox) == sent  # the refusal is audited


def test_all_matching_selects_the_members_pages_rows_through_its_keyset_query(owner_client, organization):
    # The page's accent- and case-blind search: "jose" finds "José" (the old dict-row query did not).
    jose = MembershipFactory(organization=organization, user__name="José Núñez")
    invited = InvitationFactory(organization=organization, email="JOSE.n@example.com")
    MembershipFactory(organization=organization, user__name="Ann", user__email="ann@example.com")

    preview = owner_client.get(bulk_url(organization), {"action": "remove", "all": "1", "q": "jose"})

    selection = preview.context["selection"]
    assert (selection.membership_ids, selection.invitation_ids) == ([jose.pk], [invited.pk])


def _preview_queries(client, organization) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(bulk_url(organization), {"action": "resend", "all": "1"}).status_code == 200
    return len(queries)


def test_all_matching_costs_the_same_number_of_queries_at_any_size(owner_client, organization):
    _preview_queries(owner_client, organization)  # the session's first request does its own one-off writes
    InvitationFactory.create_batch(5, organization=organization)
    few = _preview_queries(owner_client, organization)
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(organization=organization, email=f"p{n}@example.com", sent_at=now, expires_at=now + timedelta(1))
        for n in range(BULK_LIMIT - 10)
    )
    many = _preview_queries(owner_client, organization)

    assert many == few


def test_all_matching_past_the_limit_is_refused_with_the_numbers(owner_client, organization):
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(organization=organization, email=f"p{n}@example.com", sent_at=now, expires_at=now + timedelta(1))
        for n in range(BULK_LIMIT + 1)
    )
    before = db_snapshot()

    response = owner_client.post(bulk_url(organization) + "?status=pending", {"action": "revoke", "all": "1"})

    assert response.status_code == 400
    assert f"at most {BULK_LIMIT} rows" in response.content.decode()
    assert db_snapshot() == before


def test_bulk_revoke_skips_an_address_past_its_email_cap_and_revokes_the_rest(
    owner_client, organization, owner, settings
):
    from members import services

    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 3
    capped = services.invite_members(organization, actor=owner, emails=["capped@example.com"], role="member").invited[0]
    services.resend_invitation(capped, actor=owner)  # two emails: one left, kept for a revocation
    settings.EMAILS_PER_ADDRESS_PER_ORGANIZATION_PER_DAY = 2  # lowered: none left
    other = InvitationFactory(organization=organization, email="other@example.com")

    response = owner_client.post(
        bulk_url(organization), {"action": "revoke", "row": [f"i{capped.pk}", f"i{other.pk}"]}, follow=True
    )

    html = response.content.decode()
    assert "capped@example.com" in html and "Nothing was changed: the invitation is still open." in html
    capped.refresh_from_db()
    other.refresh_from_db()
    assert capped.status == Invitation.Status.PENDING and other.status == Invitation.Status.REVOKED
    revocations = OutboundEmail.objects.filter(kind="invitation_revoked").values_list("to_email", flat=True)
    assert list(revocations) == ["other@example.com"]
