"""The emails of Delete organization, Delete project and Transfer ownership (members.lifecycle_emails): names
escaped in HTML and plain in text, one-line subjects, and nothing in them that needs the deleted rows."""

from __future__ import annotations

from django.core import mail

from members import services
from members.models import Membership, Organization, Project
from tests.factories import ProjectFactory, ProjectMembershipFactory
from tests.helpers import html_part, run_worker
from tests.members.test_emails import EVIL


def _evil_names(organization, owner) -> None:
    Organization.objects.filter(pk=organization.pk).update(name=EVIL)
    organization.refresh_from_db()
    owner.name = "Eve <b>Evil</b>"
    owner.save()


def _assert_escaped(message) -> None:
    html = html_part(message)
    assert EVIL not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in html
    assert "<b>Evil</b>" not in html and "Eve &lt;b&gt;Evil&lt;/b&gt;" in html
    assert EVIL in message.body and "&lt;" not in message.body and "&amp;" not in message.body
    assert EVIL in message.subject and "\n" not in message.subject


def test_organization_deleted_email_escapes_names_and_needs_no_rows(organization, owner, member):
    _evil_names(organization, owner)

    services.delete_organization(organization, actor=owner, confirm_name=EVIL)
    run_worker()

    [message] = [message for message in mail.outbox if message.to == [member.email]]
    _assert_escaped(message)
    assert "deleted the organization" in message.body


def test_project_deleted_email_escapes_names(organization, owner, member):
    _evil_names(organization, owner)
    project = ProjectFactory(organization=organization, name="Data <script>")
    ProjectMembershipFactory(project=project, user=member)

    services.delete_project(Project.objects.get(pk=project.pk), actor=owner)
    run_worker()

    [message] = mail.outbox
    _assert_escaped(message)
    assert "Data &lt;script&gt;" in html_part(message) and "Data <script>" in message.body


def test_ownership_transferred_email_escapes_names_and_links_to_members(organization, owner, member, settings):
    _evil_names(organization, owner)

    services.transfer_ownership(organization, actor=owner, new_owner=Membership.objects.get(user=member))
    run_worker()

    [message] = [message for message in mail.outbox if "Organization Owner" in message.subject]
    _assert_escaped(message)
    assert f"{settings.SITE_URL}/o/acme/members/" in message.body
