"""Actor-scoped reads. Every lookup is limited to what the actor may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import BooleanField, OuterRef, Prefetch, QuerySet, Value
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.exceptions import RowConflictError, StaleRowError
from members.member_list import INVITATION, MEMBERSHIP
from members.models import Invitation, InvitationProject, Membership, Organization, Project, ProjectMembership, User
from members.roles import OWNER_PROJECT_ROLE, OrgRole, ProjectRole, project_permissions
from members.second_factors import second_factor_exists


def organizations_for(user: User) -> QuerySet[Organization]:
    """The organizations the user belongs to, by name."""
    return Organization.objects.filter(memberships__user=user).order_by("name")


def organization_for_member(user: User, slug: str) -> tuple[Organization, Membership]:
    """The organization in the URL and the user's membership in it; 404 for anyone outside it."""
    membership = (
        Membership.objects.select_related("organization").filter(organization__slug=slug, user=user).first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such organization.")
    return membership.organization, membership


def visible_projects(organization: Organization, *, user: User, membership: Membership) -> list[tuple[Project, str]]:
    """Projects of the organization the user may see, each with the user's project role label.

    Owners see every project (as Project Admin); members see the ones they were granted.
    """
    if project_permissions(org_role=membership.role, project_role=None):
        # The organization role alone grants access to every project (owners, as Project Admin).
        label = ProjectRole(OWNER_PROJECT_ROLE).label
        return [(project, label) for project in organization.projects.order_by("name")]
    grants = ProjectMembership.objects.filter(project__organization=organization, user=user).select_related("project")
    return [(grant.project, grant.get_role_display()) for grant in grants.order_by("project__name")]


def is_member(user: User, organization_id: int) -> bool:
    return Membership.objects.filter(organization_id=organization_id, user=user).exists()


def invitation_grants(invitation: Invitation) -> QuerySet[InvitationProject]:
    """The project access an invitation grants, by project name."""
    return invitation.project_grants.select_related("project").order_by("project__name")


def project_roles_of(target: Membership | Invitation) -> dict[Project, str]:
    """The project roles a member holds, or an invitation offers, in its organization: {project: role}."""
    if isinstance(target, Invitation):
        grants = target.project_grants.all()
    else:
        grants = ProjectMembership.objects.filter(
            project__organization_id=target.organization_id, user_id=target.user_id
        )
    return {grant.project: grant.role for grant in grants.select_related("project")}


def pending_invitations_sent_by(organization: Organization, user: User) -> int:
    """How many invitations ``user`` sent in the organization are still pending: they are revoked when the
    person stops being an Organization Owner there (the dialogs say so beforehand)."""
    return Invitation.objects.filter(
        organization=organization, invited_by=user, status=Invitation.Status.PENDING
    ).count()


def hide_unseen_projects(rows: list[MemberRow], *, visible_projects: Iterable[Project]) -> list[MemberRow]:
    """Keep in each row only the projects the viewer may see elsewhere (``visible_projects``: a member's are the
    ones granted to them), so the Members page does not tell members the names of projects hidden from them."""
    visible = {project.name for project in visible_projects}
    for row in rows:
        row.projects = [(name, role) for name, role in row.projects if name in visible]
    return rows


def project_in_organization(organization: Organization, project_id: int) -> Project:
    """A project by id, only within the organization in the URL."""
    project = Project.objects.filter(organization=organization, pk=project_id).first()
    if project is None:
        raise Http404("No such project.")
    return project


# --- The Members page (the rows' order and paging: members.member_list) -------------------------------------


class RowKind(models.TextChoices):
    MEMBERSHIP = "membership"
    INVITATION = "invitation"


class RowStatus(models.TextChoices):
    """A membership is Verified; an open invitation is Pending until it expires, then Expired."""

    VERIFIED = "verified", _("Verified")
    PENDING = "pending", _("Pending")
    EXPIRED = "expired", _("Expired")


@dataclass(frozen=True)
class Person:
    """Who invited a row's person: only what the page, the export and the API show of them."""

    name: str
    email: str

    @property
    def display_name(self) -> str:
        return self.name or self.email


@dataclass
class MemberRow:
    """One line of the Members page: a membership (Verified) or an open invitation (Pending/Expired)."""

    kind: str  # a RowKind
    id: int
    name: str
    email: str
    role: str
    status: str  # a RowStatus
    delivery: str
    date: datetime
    invited_by: Person | None = None
    projects: list[tuple[str, str]] = field(default_factory=list)  # (project name, project role label)
    obj: Invitation | None = None  # an invitation's row: its expiry and grants (a membership's row has none)
    urls: dict[str, str] = field(default_factory=dict)  # the page's links for this row (the view's business)
    user_id: int | None = None  # a membership's user
    two_factor: bool | None = None  # a membership's, when asked for (``attach_row_details``: owners' view)
    last_active: datetime | None = None  # a membership's user, at most an hour old (members.last_active)

    @property
    def is_membership(self) -> bool:
        return self.kind == RowKind.MEMBERSHIP

    @property
    def role_label(self) -> str:
        return str(OrgRole(self.role).label)

    @property
    def status_label(self) -> str:
        return str(RowStatus(self.status).label)

    @property
    def delivery_problem(self) -> str:
        """For an open invitation whose email did not get through, what went wrong."""
        if self.kind == RowKind.INVITATION and self.delivery in DELIVERY_PROBLEMS:
            return str(Invitation.Delivery(self.delivery).label)
        return ""


DELIVERY_PROBLEMS = {Invitation.Delivery.FAILED, Invitation.Delivery.BOUNCED, Invitation.Delivery.REJECTED}


def _person(name: str | None, email: str | None) -> Person | None:
    return Person(name or "", email) if email else None  # no email: no inviter (SET_NULL)


def _membership_rows(organization: Organization, ids: list[int], *, two_factor: bool) -> dict[int, MemberRow]:
    """Membership rows by id, with their project access here: plain values, no model instances (building some
    two hundred of them was the largest part of the Members page's own cost, issue 17)."""
    # The owners' view asks for two-factor status in the same query, not one more.
    shown = second_factor_exists(OuterRef("user_id")) if two_factor else Value(None, output_field=BooleanField())
    # order_by(): no default ordering, which joined the organization and sorted rows the page puts in its own order.
    memberships = Membership.objects.filter(pk__in=ids).order_by().annotate(two_factor=shown)
    columns = ("id", "user_id", "role", "created_at", "user__name", "user__email", "user__last_active_at")
    labels = {value: str(label) for value, label in ProjectRole.choices}
    access: dict[int, list[tuple[str, str]]] = {}
    rows = {}
    for m in memberships.values(*columns, "invited_by__name", "invited_by__email", "two_factor"):
        rows[m["id"]] = MemberRow(
            kind=RowKind.MEMBERSHIP,
            id=m["id"],
            name=m["user__name"],
            email=m["user__email"],
            role=m["role"],
            status=RowStatus.VERIFIED,
            delivery="",
            date=m["created_at"],
            invited_by=_person(m["invited_by__name"], m["invited_by__email"]),
            projects=access.setdefault(m["user_id"], []),
            user_id=m["user_id"],
            last_active=m["user__last_active_at"],
            two_factor=m["two_factor"],
        )
    grants = ProjectMembership.objects.filter(user_id__in=list(access), project__organization=organization)
    for user_id, project_name, role in grants.order_by("project__name").values_list("user_id", "project__name", "role"):
        access[user_id].append((project_name, labels[role]))
    return rows


def _invitations_with_access(ids: list[int]) -> dict[int, Invitation]:
    """Open invitations by id, each with ``project_access``: the (project name, role label) pairs it grants."""
    invitations = (
        Invitation.objects.select_related("invited_by")
        .prefetch_related(
            Prefetch(
                "project_grants",
                queryset=InvitationProject.objects.select_related("project").order_by("project__name"),
            )
        )
        .in_bulk(ids)
    )
    for invitation in invitations.values():
        grants = invitation.project_grants.all()
        invitation.project_access = [(g.project.name, g.get_role_display()) for g in grants]  # type: ignore[attr-defined]
    return invitations


def attach_row_details(organization: Organization, keys: list[tuple], *, two_factor: bool = False) -> list[MemberRow]:
    """Turn one page of row keys (``members.member_list``: ..., kind, id) into ``MemberRow`` objects with their
    project access and inviter, and with ``two_factor`` each member's two-factor status (shown to owners only): a
    fixed number of queries for the page, whatever the size of the organization."""
    ids = [key[-1] for key in keys if key[-2] == MEMBERSHIP]
    memberships = _membership_rows(organization, ids, two_factor=two_factor)
    invitations = _invitations_with_access([key[-1] for key in keys if key[-2] == INVITATION])
    now = timezone.now()
    result = []
    for *_sort_keys, kind, row_id in keys:
        if kind == MEMBERSHIP and row_id in memberships:  # a row removed between the two queries is skipped
            result.append(memberships[row_id])
        elif kind == INVITATION and row_id in invitations:
            result.append(_invitation_row(invitations[row_id], now))
    return result


def _invitation_row(invitation: Invitation, now: datetime) -> MemberRow:
    return MemberRow(
        kind=RowKind.INVITATION,
        id=invitation.pk,
        name="",
        email=invitation.email,
        role=invitation.role,
        status=RowStatus.EXPIRED if invitation.expires_at < now else RowStatus.PENDING,
        delivery=invitation.delivery_status,
        date=invitation.sent_at,
        invited_by=_person(inviter.name, inviter.email) if (inviter := invitation.invited_by) else None,
        projects=invitation.project_access,  # type: ignore[attr-defined]
        obj=invitation,
    )


def membership_in_organization(organization: Organization, membership_id: int) -> Membership:
    """A membership by id, only within the organization in the URL (404 otherwise)."""
    membership = Membership.objects.select_related("user", "organization").filter(
        organization=organization, pk=membership_id
    )
    found = membership.first()
    if found is None:
        # Removed since the page was loaded (or never here: the same answer, nothing about other organizations).
        raise StaleRowError(
            _("This person is no longer a member of %(organization)s.") % {"organization": organization.name},
            members_url=reverse("members:members", args=[organization.slug]),
        )
    return found


def open_invitation_in_organization(organization: Organization, invitation_id: int) -> Invitation:
    """A pending (possibly expired) invitation by id, only within the organization in the URL."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(organization=organization, pk=invitation_id)
        .first()
    )
    members_url = reverse("members:members", args=[organization.slug])
    if invitation is None:
        raise StaleRowError(_("This invitation no longer exists."), members_url=members_url)
    if invitation.status != Invitation.Status.PENDING:
        # Revoked, accepted or declined since the dialog was opened (often in another tab).
        raise RowConflictError(_no_longer_pending(invitation.status), members_url=members_url)
    return invitation


def _no_longer_pending(status: str) -> str:
    why = {
        Invitation.Status.ACCEPTED: _("This invitation is no longer pending: it was accepted."),
        Invitation.Status.DECLINED: _("This invitation is no longer pending: it was declined."),
        Invitation.Status.REVOKED: _("This invitation is no longer pending: it was revoked."),
    }
    return why.get(status, _("This invitation is no longer pending."))


def open_invitations(organization: Organization) -> QuerySet[Invitation]:
    """The organization's open (pending, possibly expired) invitations, most recently sent first."""
    return (
        Invitation.objects.filter(organization=organization, status=Invitation.Status.PENDING)
        .select_related("invited_by")
        .prefetch_related(Prefetch("project_grants", queryset=InvitationProject.objects.select_related("project")))
        .order_by("-sent_at", "-pk")
    )
