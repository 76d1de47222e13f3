"""Edit Role: the Organization Role and Project Access of a Verified member, or of a pending invitation before
it is accepted, in one dialog and one save (GET renders it, POST acts)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from members import roles, services
from members.access import organization_view
from members.exceptions import DomainError, SelfRoleChangeError
from members.forms import EditAccessForm
from members.http import client_ip, go_to, render_dialog, require_recent_authentication
from members.models import Invitation, Membership, Organization
from members.roles import OrgRole
from members.selectors import (
    membership_in_organization,
    open_invitation_in_organization,
    pending_invitations_sent_by,
    project_roles_of,
)

TEMPLATE = "members/dialogs/edit_role.html"


def _form(request: HttpRequest, organization: Organization, target: Membership | Invitation) -> EditAccessForm:
    initial = {"role": target.role, **EditAccessForm.initial_access(project_roles_of(target))}
    return EditAccessForm(request.POST or None, organization=organization, initial=initial)


def _check_owner_change(request: HttpRequest, *, old_role: str, role: str) -> None:
    """Making or unmaking an Organization Owner asks for the password again."""
    if role != old_role and OrgRole.OWNER in (old_role, role):
        require_recent_authentication(request)


def _role_label(role: str) -> str:
    return str(OrgRole(role).label)


def _report(request: HttpRequest, change: services.AccessChange, *, name: str, note: str = "") -> None:
    names = {"name": name, "role": _role_label(change.role)}
    if not change.changed:
        messages.info(request, _("Nothing changed: %(name)s already has this role and Project Access.") % names)
        return
    if change.role == change.old_role:
        messages.success(request, _("Project Access of %(name)s updated.") % names)
    elif change.before != change.after and change.role != OrgRole.OWNER:  # an Owner's projects go without saying
        messages.success(request, _("%(name)s is now %(role)s; Project Access updated.") % names)
    else:
        messages.success(request, _("%(name)s is now %(role)s.") % names)
    if note:
        messages.info(request, note)


def _edit(
    request: HttpRequest,
    organization: Organization,
    target: Membership | Invitation,
    *,
    service: Callable[..., services.AccessChange],
    name: str,
    context: dict[str, object],
    note: str = "",
) -> HttpResponse:
    """The dialog, and on a valid POST the ``service`` with the chosen role and Project Access."""
    form = _form(request, organization, target)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _check_owner_change(request, old_role=target.role, role=data["role"])
        try:
            change = service(
                target,
                actor=request.user,
                role=data["role"],
                project_roles=data["project_roles"],
                ip=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            _report(request, change, name=name, note=note)
            return go_to(request, reverse("members:members", args=[organization.slug]))
    return render_dialog(request, TEMPLATE, {"form": form, **context})


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_edit_role(request: HttpRequest, organization: Organization, membership_id: int) -> HttpResponse:
    """Edit Role of a Verified member, Project Access included; the member gets one email listing what changed."""
    membership = membership_in_organization(organization, membership_id)
    if membership.user_id == request.user.pk:  # not offered on your own row; a typed URL says why
        messages.error(request, SelfRoleChangeError.default_message)
        return go_to(request, reverse("members:members", args=[organization.slug]))
    user = membership.user
    context = {
        "action_url": reverse("members:member_edit_role", args=[organization.slug, membership.pk]),
        "target_name": user.display_name,
        "target_email": user.email,
        "pending_sent": pending_invitations_sent_by(organization, user) if membership.role == OrgRole.OWNER else 0,
    }
    return _edit(
        request, organization, membership, service=services.edit_member_access, name=user.display_name, context=context
    )


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def invitation_edit(request: HttpRequest, organization: Organization, invitation_id: int) -> HttpResponse:
    """Edit Role of a pending invitation: what it offers when accepted. Its link keeps working; the next
    invitation email (a resend) shows the new access."""
    invitation = open_invitation_in_organization(organization, invitation_id)
    context = {
        "action_url": reverse("members:invitation_edit", args=[organization.slug, invitation.pk]),
        "target_email": invitation.email,
        "is_invitation": True,
    }
    return _edit(
        request,
        organization,
        invitation,
        service=services.edit_invitation,
        name=invitation.email,
        context=context,
        note=_("The invitation link still works; a resent email will show the new access."),
    )
