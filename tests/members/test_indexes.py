"""The queries the Members page, invitation lookups, the audit log and the outbox run can be served by an index.

With sequential scans disabled PostgreSQL still falls back to a Seq Scan when no index can serve a query, so a
plan without "Seq Scan" proves an index exists for it (which one the planner picks on a tiny table varies)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.functions import Lower
from django.utils import timezone

from members.models import Invitation, Membership, MembershipEvent, OutboundEmail, User
from members.selectors import member_rows
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.postgres


def indexed(queryset) -> str:
    text = queryset.explain()
    assert "Seq Scan" not in text, text
    return text


@pytest.fixture
def plan(db, organization):
    # Some neighbours, so the organization's rows are a slice of each table.
    for n in range(3):
        other = OrganizationFactory(slug=f"neighbour-{n}")
        MembershipFactory.create_batch(5, organization=other)
        InvitationFactory.create_batch(5, organization=other)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET enable_seqscan = off")
    yield indexed
    with connection.cursor() as cursor:
        cursor.execute("RESET enable_seqscan")


def test_members_page_reads_memberships_and_open_invitations_by_index(plan, organization):
    plan(member_rows(organization))
    plan(member_rows(organization, status="pending", sort="-date"))


def test_open_invitation_lookup_by_lower_email_uses_the_partial_unique_index(plan, organization):
    queryset = (
        Invitation.objects.filter(organization=organization, status=Invitation.Status.PENDING)
        .annotate(e=Lower("email"))
        .filter(e__in=["someone@example.com"])
    )
    plan(queryset)


def test_user_lookup_by_lower_email_uses_the_case_insensitive_unique_index(plan):
    queryset = User.objects.annotate(e=Lower("email")).filter(e__in=["someone@example.com"])
    plan(queryset)


def test_invitation_and_membership_lookups_by_id_use_the_primary_key(plan, organization):
    plan(Invitation.objects.filter(organization=organization, pk=1))
    plan(Invitation.objects.filter(pk=1))
    plan(Membership.objects.filter(organization=organization, pk=1))


def test_audit_log_and_daily_send_counts_are_indexed(plan, organization, owner):
    since = timezone.now() - timedelta(hours=24)
    plan(MembershipEvent.objects.filter(organization=organization)[:50])
    plan(MembershipEvent.objects.filter(organization=organization, action="invited", created_at__gte=since))
    plan(MembershipEvent.objects.filter(actor=owner, action="invited", created_at__gte=since))


def test_outbox_sweep_uses_the_status_and_due_time_index(plan):
    stalled = OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED, next_attempt_at__lt=timezone.now())
    assert "outbound_status_next_idx" in plan(stalled)
