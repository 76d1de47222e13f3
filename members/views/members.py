"""The Members page and its dialogs: Invite User and the confirm dialogs Resend invitation, Revoke Invitation
and Leave (Edit Role is ``members.views.edit_access``). A dialog's GET renders it (a page without JavaScript,
a partial for htmx); its POST acts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.decorators.http import require_http_methods

from members import roles, services
from members.access import organization_view
from members.exceptions import DomainError
from members.forms import InviteForm, MembersFilterForm
from members.http import client_ip, go_to, render_dialog, require_recent_authentication
from members.member_list import Query, members_page, position_from
from members.models import Invitation, Membership, Organization
from members.roles import OrgRole
from members.selectors import (
    attach_row_details,
    hide_unseen_projects,
    membership_in_organization,
    open_invitation_in_organization,
    pending_invitations_sent_by,
    visible_projects,
)
from members.services.bulk import BulkAction
from members.templatetags.member_table import with_action_urls
from members.views.shown_links import show_links


@organization_view(roles.VIEW_MEMBERS)
@require_http_methods(["GET"])
def members(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Members and open invitations in one table: searched, filtered, sorted and paged in SQL (keyset pages)."""
    # The projects the viewer may see: the Project filter's choices, and the only names the rows may show.
    seen = [project for project, _ in visible_projects(organization, user=request.user, membership=request.membership)]
    # Its own id prefix: the Invite User and Edit Role dialogs on this page have a "role" field too.
    filter_form = MembersFilterForm.for_viewer(
        request.GET or None,
        organization=organization,
        user=request.user,
        membership=request.membership,
        projects=seen,
        auto_id="filter_%s",
    )
    filters = filter_form.filters()
    query = Query(**filters)
    page = members_page(organization, query, position_from(request.GET.dict(), query))
    page.link({name: value for name, value in filters.items() if value and request.GET.get(name)})
    # Owners only (the filter exists for them alone): two-factor status and last activity.
    show_security = "two_factor" in filter_form.fields
    rows = attach_row_details(organization, page.keys, two_factor=show_security)
    rows = with_action_urls(hide_unseen_projects(rows, visible_projects=seen), organization, viewer=request.user.pk)
    context = {
        "filter_form": filter_form,
        "filters": filters,
        "page": page,
        "rows": rows,
        "show_security": show_security,
        # From the membership the page already loaded, like can_export: no extra query.
        "can_manage": roles.MANAGE_MEMBERS in roles.organization_permissions(request.membership.role),
        "bulk_actions": BulkAction.choices,
        "role_choices": OrgRole.choices,
        "can_export": roles.EXPORT_MEMBERS in roles.organization_permissions(request.membership.role),
        "is_filtered": any(value for name, value in filters.items() if name != "sort"),
        "sort_headers": _sort_headers(filters["sort"]),
        "active_nav": "members",
    }
    return render(request, "members/members.html", context)


def _sort_headers(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: its aria-sort state and the sort its header link switches to."""
    headers = {}
    for key in ("name", "role", "date"):
        if current == key:
            aria, following = "ascending", f"-{key}"
        elif current == f"-{key}":
            aria, following = "descending", key
        else:
            aria, following = "", f"-{key}" if key == "date" else key  # dates start newest first
        label = _("descending") if following.startswith("-") else _("ascending")
        headers[key] = {"aria": aria, "next": following, "next_label": label}
    return headers


def _back_to_members(request: HttpRequest, organization: Organization) -> HttpResponse:
    return go_to(request, reverse("members:members", args=[organization.slug]))


# --- Invite User ------------------------------------------------------------------------------------


def _already_member(address: str, organization: Organization) -> str:
    return _("%(email)s is already a member of %(organization)s; not invited.") % {
        "email": address,
        "organization": organization.name,
    }


def _already_invited(invitation: Invitation) -> str:
    return _("%(email)s already has a pending invitation; not invited again.") % {"email": invitation.email}


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Invite User: one or more addresses, an Organization Role and optional project access."""
    form = InviteForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["role"] == OrgRole.OWNER:
            require_recent_authentication(request)  # making someone an Organization Owner
        try:
            result = services.invite_members(
                organization,
                actor=request.user,
                emails=data["emails"],
                role=data["role"],
                project_roles=data["project_roles"],
                ip=client_ip(request),
                send_email=not data["no_email"],
                names=data["names"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if result.invited:
                _report_invitations(request, organization, result, duplicates=data["duplicates"])
                if data["no_email"]:  # the links, once, instead of the emails
                    return show_links(request, result.invited)
                return _back_to_members(request, organization)
            # Nobody new to invite: say why next to the addresses and keep the dialog open.
            for address in result.already_members:
                form.add_error("emails", _already_member(address, organization))
            for invitation in result.already_invited:
                where = _("To send it again, use Resend invitation in the menu of its row.")
                form.add_error("emails", f"{_already_invited(invitation)} {where}")
    return render_dialog(request, "members/dialogs/invite.html", {"form": form})


def _report_invitations(
    request: HttpRequest, organization: Organization, result: services.InviteResult, *, duplicates: list[str]
) -> None:
    count = len(result.invited)
    if result.invited[0].delivery_status == Invitation.Delivery.LINK_ONLY:
        sent = ngettext(
            "Invitation created for %(emails)s; no email was sent.",
            "%(count)d invitations created, no email sent: %(emails)s.",
            count,
        )
    else:
        sent = ngettext("Invitation sent to %(emails)s.", "%(count)d invitations sent: %(emails)s.", count)
    messages.success(
        request, sent % {"count": count, "emails": ", ".join(invitation.email for invitation in result.invited)}
    )
    for address in duplicates:
        messages.info(request, _("%(email)s was listed more than once; it was invited once.") % {"email": address})
    for address in result.already_members:
        messages.warning(request, _already_member(address, organization))
    for invitation in result.already_invited:
        resend_url = reverse("members:invitation_resend", args=[organization.slug, invitation.pk])
        messages.warning(
            request,
            format_html(
                '{} {} <a href="{}">{}</a>',
                _already_invited(invitation),
                _("Do you want to send it again?"),
                resend_url,
                _("Resend invitation"),
            ),
        )


# --- Confirm dialogs: resend, revoke, remove ---------------------------------------------------------


class ConfirmAction(View):
    """One confirm dialog: GET asks the question, POST calls the service and says what happened, and a
    refusal shows inside the dialog (neapolitan's ``confirm_delete`` / ``process_deletion`` shape).
    Subclasses say which object, which question, which service and which message."""

    http_method_names = ["get", "post"]
    title: str | Promise = ""
    question: str | Promise = ""
    success_message: str | Promise = ""
    id_kwarg = ""  # the URL's name for the id of what the dialog acts on
    danger = True

    def get_object(self, organization: Organization, object_id: int) -> Any:
        raise NotImplementedError

    def names(self, target: Any, organization: Organization) -> dict[str, str]:
        """What the question and the message name, by their placeholders."""
        raise NotImplementedError

    # The service that acts: called with the target, the actor and the client address. A ``DomainError``
    # it raises is shown in the dialog.
    service: Callable[..., Any]

    def done(self, target: Any, organization: Organization, outcome: Any) -> HttpResponse:
        messages.success(self.request, self.success_message % self.names(target, organization))
        return _back_to_members(self.request, organization)

    def get(self, request: HttpRequest, organization: Organization, **ids: int) -> HttpResponse:
        target = self.get_object(organization, ids[self.id_kwarg])
        if redirect_to := self.elsewhere(target, organization):
            return go_to(request, redirect_to)
        return self.confirm(organization, target)

    def elsewhere(self, target: Any, organization: Organization) -> str:
        """The page that handles ``target`` instead of this dialog, if any (nothing has changed)."""
        return ""

    def needs_recent_authentication(self, target: Any) -> bool:
        """Whether acting on ``target`` cannot be undone enough to ask for the password again."""
        return False

    def post(self, request: HttpRequest, organization: Organization, **ids: int) -> HttpResponse:
        target = self.get_object(organization, ids[self.id_kwarg])
        if redirect_to := self.elsewhere(target, organization):
            return go_to(request, redirect_to)
        if self.needs_recent_authentication(target):
            require_recent_authentication(request)
        try:
            outcome = self.service(target, actor=self.request.user, ip=client_ip(self.request))
        except DomainError as error:
            return self.confirm(organization, target, error=error.message)
        return self.done(target, organization, outcome)

    def full_question(self, target: Any, organization: Organization) -> str:
        return self.question % self.names(target, organization)

    def dialog_context(self, organization: Organization) -> dict[str, Any]:
        """What a dialog opened from another page than Members adds (its ``cancel_url`` and ``active_nav``)."""
        return {}

    def confirm(self, organization: Organization, target: Any, *, error: str = "") -> HttpResponse:
        context = {
            "title": self.title,
            "question": self.full_question(target, organization),
            "submit_label": _("Yes"),
            "action_url": self.request.path,  # the dialog posts back to where it was loaded from
            "danger": self.danger,
            "error": error,
            **self.dialog_context(organization),
        }
        return render_dialog(self.request, "members/dialogs/confirm.html", context)


class InvitationAction(ConfirmAction):
    """A confirm dialog on an open (pending, possibly expired) invitation of the organization."""

    id_kwarg = "invitation_id"

    def get_object(self, organization: Organization, object_id: int) -> Invitation:
        return open_invitation_in_organization(organization, object_id)

    def names(self, target: Invitation, organization: Organization) -> dict[str, str]:
        return {"email": target.email, "hours": settings.INVITATION_EXPIRY_HOURS}


class ResendInvitation(InvitationAction):
    """Resend invitation: a fresh link and a fresh expiry; the old link stops working."""

    title = gettext_lazy("Resend invitation")
    question = gettext_lazy(
        "Send the invitation to %(email)s again? It gets a new link that expires in %(hours)d hours; "
        "the link sent before stops working."
    )
    success_message = gettext_lazy("Invitation sent again to %(email)s.")
    danger = False
    service = staticmethod(services.resend_invitation)


class RevokeInvitation(InvitationAction):
    """Revoke Invitation: the link stops working at once and the invitee is told."""

    title = gettext_lazy("Revoke Invitation")
    question = gettext_lazy("Revoke the invitation to %(email)s? The invitation link stops working at once.")
    success_message = gettext_lazy("Invitation to %(email)s revoked.")
    service = staticmethod(services.revoke_invitation)


class RemoveMember(ConfirmAction):
    """Leave (the product's word for it): remove a Verified member, and revoke the invitations they sent."""

    title = gettext_lazy("Leave")
    question = gettext_lazy(
        "Remove %(name)s (%(email)s) from %(organization)s? They lose access to the organization and its projects."
    )
    success_message = gettext_lazy("%(name)s was removed from %(organization)s.")
    id_kwarg = "membership_id"
    service = staticmethod(services.remove_member)

    def full_question(self, target: Membership, organization: Organization) -> str:
        """Says so when the invitations they sent will be revoked with them (#11.2)."""
        question = super().full_question(target, organization)
        if pending := pending_invitations_sent_by(organization, target.user):
            revoked = ngettext(
                "The invitation they sent that is still pending will be revoked (the invitee is told).",
                "The %(count)d invitations they sent that are still pending will be revoked (the invitees are told).",
                pending,
            )
            question = f"{question} {revoked % {'count': pending}}"
        return question

    def get_object(self, organization: Organization, object_id: int) -> Membership:
        return membership_in_organization(organization, object_id)

    def elsewhere(self, target: Membership, organization: Organization) -> str:
        # Your own row: the Leave organization page asks in the first person (and says what happens to you).
        return reverse("members:leave", args=[organization.slug]) if target.user_id == self.request.user.pk else ""

    def needs_recent_authentication(self, target: Membership) -> bool:
        return target.role == OrgRole.OWNER  # removing an owner

    def names(self, target: Membership, organization: Organization) -> dict[str, str]:
        return {"name": target.user.display_name, "email": target.user.email, "organization": organization.name}

    def done(self, target: Membership, organization: Organization, outcome: list[Invitation]) -> HttpResponse:
        response = super().done(target, organization, outcome)
        if outcome:
            messages.info(
                self.request,
                ngettext(
                    "The invitation they had sent was revoked: %(emails)s.",
                    "The %(count)d invitations they had sent were revoked: %(emails)s.",
                    len(outcome),
                )
                % {"count": len(outcome), "emails": ", ".join(i.email for i in outcome)},
            )
        return response


invitation_resend = organization_view(roles.MANAGE_MEMBERS)(ResendInvitation.as_view())
invitation_revoke = organization_view(roles.MANAGE_MEMBERS)(RevokeInvitation.as_view())
member_remove = organization_view(roles.MANAGE_MEMBERS)(RemoveMember.as_view())
