import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from members.models import Membership, Organization, Project, ProjectMembership, User
from members.roles import OrgRole


def test_demo_data_is_idempotent(db):
    call_command("demo_data", stdout=io.StringIO())
    counts = [m.objects.count() for m in (User, Organization, Project, Membership, ProjectMembership, EmailAddress)]

    call_command("demo_data", stdout=io.StringIO())

    assert [
        m.objects.count() for m in (User, Organization, Project, Membership, ProjectMembership, EmailAddress)
    ] == counts
    organization = Organization.objects.get(name="Acme Corp")
    assert set(organization.projects.values_list("name", flat=True)) == {"Production", "Staging"}
    assert organization.memberships.filter(role=OrgRole.OWNER).count() == 2
    assert organization.memberships.filter(role=OrgRole.MEMBER).count() >= 3


def test_demo_owner_can_sign_in_with_the_documented_password(client, db):
    call_command("demo_data", stdout=io.StringIO())

    response = client.post("/accounts/login/", {"login": "owner@example.com", "password": "correct-horse-battery"})

    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/o/acme-corp/members/"


def test_demo_data_refuses_to_run_with_the_production_settings(db, settings, monkeypatch):
    from django.core.management.base import CommandError

    from tests.helpers import db_snapshot
    from tests.production.conftest import load_production

    settings.DEMO_DATA_ALLOWED = load_production(monkeypatch).DEMO_DATA_ALLOWED
    before = db_snapshot()

    with pytest.raises(CommandError, match="production"):
        call_command("demo_data", stdout=io.StringIO())

    assert db_snapshot() == before
    assert not User.objects.filter(email="owner@example.com").exists()
