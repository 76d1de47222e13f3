"""Ending and handing over: Delete organization (from Settings), Delete project (from Projects) and Transfer
ownership (from Leave organization). Each is a dialog: a page without JavaScript, a partial for htmx."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from members import roles, services
from members.access import organization_view
from members.exceptions import DomainError
from members.http import client_ip, go_to, render_dialog, require_recent_authentication
from members.lifecycle_forms import DeleteOrganizationForm, TransferOwnershipForm
from members.models import Invitation, InvitationProject, Membership, Organization, Project, ProjectMembership
from members.roles import OrgRole
from members.selectors import pending_invitations_sent_by, project_in_organization
from members.views.members import ConfirmAction

# How many members Transfer ownership suggests as you type (the field takes any member's address).
TRANSFER_SUGGESTIONS = 100


def _what_goes(organization: Organization) -> dict[str, int]:
    """What deleting the organization deletes, counted for the page that asks."""
    return {
        "members": organization.memberships.count(),
        "invitations": organization.invitations.filter(status=Invitation.Status.PENDING).count(),
        "projects": organization.projects.count(),
        "api_tokens": organization.api_tokens.filter(revoked_at__isnull=True).count(),
    }


def leave_options(organization: Organization, membership: Membership) -> dict[str, bool]:
    """What the Leave organization page offers: an owner may hand the organization over (Transfer ownership); the
    last owner cannot simply leave, and when nobody else is a member, deleting the organization is the way out."""
    if membership.role != OrgRole.OWNER:
        return {"is_owner": False, "can_leave": True, "has_others": True}
    others = organization.memberships.exclude(pk=membership.pk)
    return {
        "is_owner": True,
        "can_leave": others.filter(role=OrgRole.OWNER).exists(),
        "has_others": others.exists(),
    }


@organization_view(roles.DELETE_ORGANIZATION)
@require_http_methods(["GET", "POST"])
def organization_delete(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Delete organization: confirmed by typing its exact name, after the password was confirmed recently."""
    form = DeleteOrganizationForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        require_recent_authentication(request)  # nothing brings an organization back
        try:
            services.delete_organization(
                organization, actor=request.user, confirm_name=form.cleaned_data["name"], ip=client_ip(request)
            )
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(
                request,
                _("%(name)s was deleted. Its members and pending invitees are being told by email.")
                % {"name": organization.name},
            )
            return go_to(request, reverse("members:home"))
    context = {
        "form": form,
        "counts": _what_goes(organization),
        "retention_days": settings.DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS,
        "action_url": request.path,
        "active_nav": "settings",
    }
    return render_dialog(request, "members/dialogs/delete_organization.html", context)


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def transfer_ownership(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Transfer ownership: another member becomes Organization Owner, then you leave, in one step."""
    form = TransferOwnershipForm(request.POST or None, organization=organization, actor=request.user)
    if request.method == "POST" and form.is_valid():
        require_recent_authentication(request)  # you give up the organization and make someone its owner
        try:
            new_owner = services.transfer_ownership(
                organization, actor=request.user, new_owner=form.cleaned_data["email"], ip=client_ip(request)
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            names = {"name": new_owner.user.display_name, "organization": organization.name}
            message = _("%(name)s is now an Organization Owner of %(organization)s, and you left it.")
            messages.success(request, message % names)
            return go_to(request, reverse("members:home"))
    others = organization.memberships.exclude(user=request.user).select_related("user").order_by("sort_name", "id")
    context = {
        "form": form,
        "candidates": others[:TRANSFER_SUGGESTIONS],
        "pending_sent": pending_invitations_sent_by(organization, request.user),
        "action_url": request.path,
        "active_nav": "settings",
    }
    return render_dialog(request, "members/dialogs/transfer_ownership.html", context)


class DeleteProject(ConfirmAction):
    """Delete project: everyone's access to it and the pending invitations' offers of it go; each is told."""

    title = gettext_lazy("Delete project")
    question = gettext_lazy(
        "Delete the project “%(name)s” of %(organization)s? %(people)d people with access to it and %(invitations)d "
        "pending invitations that offer it lose it, and each is told by email. This cannot be undone."
    )
    success_message = gettext_lazy("Project “%(name)s” deleted.")
    id_kwarg = "project_id"
    service = staticmethod(services.delete_project)

    def get_object(self, organization: Organization, object_id: int) -> Project:
        return project_in_organization(organization, object_id)

    def names(self, target: Project, organization: Organization) -> dict[str, Any]:
        offers = InvitationProject.objects.filter(project=target, invitation__status=Invitation.Status.PENDING)
        return {
            "name": target.name,
            "organization": organization.name,
            "people": ProjectMembership.objects.filter(project=target).count(),
            "invitations": offers.count(),
        }

    def needs_recent_authentication(self, target: Project) -> bool:
        return True  # a project cannot be brought back

    def dialog_context(self, organization: Organization) -> dict[str, Any]:
        return {"cancel_url": reverse("members:projects", args=[organization.slug]), "active_nav": "projects"}

    def done(self, target: Project, organization: Organization, outcome: int) -> HttpResponse:
        messages.success(self.request, self.success_message % {"name": target.name})
        return go_to(self.request, reverse("members:projects", args=[organization.slug]))


project_delete = organization_view(roles.DELETE_PROJECTS)(DeleteProject.as_view())
