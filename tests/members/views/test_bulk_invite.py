"""Invite from a CSV file: the template names this organization's projects; the preview says per row and per
cell what will happen and sends nothing; Invite sends exactly the previewed rows (a changed file or a forged
plan cannot slip through); a file past the daily limits is refused whole. Members and other organizations
change nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.bulk_invite import PLAN_SALT
from members.models import Invitation, InvitationProject, MembershipEvent, OutboundEmail
from tests.conftest import client_for
from tests.factories import InvitationFactory, OrganizationFactory, ProjectFactory
from tests.helpers import db_snapshot, db_snapshot_without_refusals, recently_authenticated

pytestmark = pytest.mark.django_db


def url(organization, name: str = "invite_csv") -> str:
    return reverse(f"members:{name}", kwargs={"org_slug": organization.slug})


def upload(client, organization, text: str):
    file = SimpleUploadedFile("team.csv", text.encode(), "text/csv")
    return client.post(url(organization), {"file": file})


def test_the_template_has_a_column_per_project_of_this_organization(owner_client, organization):
    ProjectFactory(organization=organization, name="Production")
    ProjectFactory(organization=OrganizationFactory(), name="Secret elsewhere")

    response = owner_client.get(url(organization, "invite_csv_template"))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header == ["email", "name", "organization_role", "Production"]


def test_the_preview_marks_each_row_and_sends_nothing(owner_client, organization, member):
    ProjectFactory(organization=organization, name="Production")
    InvitationFactory(organization=organization, email="pending@example.com")
    before = db_snapshot()

    response = upload(
        owner_client,
        organization,
        "email,name,organization_role,Production\n"
        "new@example.com,New Person,Organization Member,Project Read-Write\n"
        "member@example.com,,,\n"
        "pending@example.com,,member,\n"
        "NEW@example.com,,,\n"
        "not-an-address,,boss,admin\n"
        "other@example.com,,,superuser\n"
        "boss@example.com,,Organization Owner,admin\n",
    )

    rows = {row.line: row for row in response.context["preview"].rows}
    assert rows[2].outcome == "invite" and rows[2].role == "member" and rows[2].projects == {"Production": "read_write"}
    assert rows[3].reasons == {"email": "Already a member."}
    assert rows[4].reasons == {"email": "Already has a pending invitation."}
    assert rows[5].reasons == {"email": "Listed earlier in the file."}
    assert rows[6].outcome == "refuse" and set(rows[6].reasons) == {"email", "organization_role"}
    assert rows[7].reasons == {"Production": "Not a project role."}
    assert (
        rows[8].outcome == "refuse"
        and "Owners have every project as Project Admin" in rows[8].reasons["organization_role"]
    )
    assert "1 to invite, 3 skipped, 3 refused." in response.content.decode()
    assert db_snapshot() == before and not mail.outbox


def test_invite_sends_exactly_the_previewed_rows(owner_client, organization, owner):
    production = ProjectFactory(organization=organization, name="Production")
    preview = upload(
        owner_client, organization, "email,organization_role,Production\na@example.com,,admin\nb@example.com,owner,\n"
    )

    before = db_snapshot()
    # A row invites an Organization Owner: the password is asked again first; nothing is sent till then.
    assert "reauthenticate" in owner_client.post(url(organization), {"plan": preview.context["plan"]})["Location"]
    assert db_snapshot() == before

    response = recently_authenticated(owner_client).post(url(organization), {"plan": preview.context["plan"]})

    assert response.status_code == 302
    invited = {i.email: i for i in Invitation.objects.filter(organization=organization)}
    assert set(invited) == {"a@example.com", "b@example.com"} and invited["b@example.com"].role == "owner"
    assert InvitationProject.objects.get(invitation=invited["a@example.com"]).project == production
    assert OutboundEmail.objects.filter(kind="invitation").count() == 2
    assert MembershipEvent.objects.filter(action="invited").count() == 2
    assert MembershipEvent.objects.filter(action="bulk_action", actor=owner).count() == 1


def test_a_forged_or_foreign_plan_is_refused_and_changes_nothing(owner_client, organization):
    other = OrganizationFactory()
    foreign = signing.dumps({"org": other.pk, "rows": [["x@example.com", "owner", {}]]}, salt=PLAN_SALT)
    before = db_snapshot()

    for plan in ("garbage", foreign, signing.dumps({"org": organization.pk, "rows": []}, salt="another salt")):
        response = owner_client.post(url(organization), {"plan": plan}, follow=True)
        assert "This preview has expired or is not valid." in response.content.decode()
    assert db_snapshot() == before


def test_a_file_past_the_daily_limit_is_refused_whole_with_the_numbers(owner_client, organization, settings):
    settings.INVITATIONS_PER_INVITER_PER_DAY = 3
    lines = "".join(f"p{n}@example.com\n" for n in range(5))
    preview = upload(owner_client, organization, "email\n" + lines)
    before = db_snapshot()

    response = owner_client.post(url(organization), {"plan": preview.context["plan"]}, follow=True)

    html = response.content.decode()
    assert "You can send 3 invitations a day and have 3 left today; you tried to send 5." in html
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("name\nAnn\n", "no “email” column"),
        ("email,Nonexistent\na@example.com,admin\n", "Unknown columns: Nonexistent"),
        ("email\n" + "a@example.com\n" * 1001, "more than 1000 rows"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_why(owner_client, organization, text, error):
    response = upload(owner_client, organization, text)
    assert response.status_code == 400 and error in response.content.decode()


def test_a_file_that_is_not_utf8_is_refused(owner_client, organization):
    file = SimpleUploadedFile("team.csv", "email\nzoë@example.com\n".encode("latin-1"), "text/csv")
    response = owner_client.post(url(organization), {"file": file})
    assert response.status_code == 400 and "not UTF-8" in response.content.decode()


@pytest.mark.parametrize("who", ["member", "other_owner"])
def test_members_and_other_organizations_cannot_invite_from_a_file(request, organization, owner_client, who):
    preview = upload(owner_client, organization, "email\nz@example.com\n")
    client = client_for(request.getfixturevalue(who))
    before, sent = db_snapshot_without_refusals(), len(mail.outbox)

    response = client.post(url(organization), {"plan": preview.context["plan"]})

    assert response.status_code == (403 if who == "member" else 404)
    assert db_snapshot_without_refusals() == before and len(mail.outbox) == sent  # the refusal is audited
