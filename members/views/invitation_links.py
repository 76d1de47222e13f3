"""Copy invitation link: a fresh link for an owner who delivers it themselves (members.views.shown_links)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy

from members import roles, services
from members.access import organization_view
from members.models import Invitation, Organization
from members.views.members import InvitationAction
from members.views.shown_links import show_links


class CopyInvitationLink(InvitationAction):
    """Copy invitation link: a fresh link (older ones stop working) for the owner to deliver; no email."""

    title = gettext_lazy("Copy invitation link")
    question = gettext_lazy(
        "Create a new invitation link for %(email)s? You deliver it yourself: no email is sent. It expires in "
        "%(hours)d hours, and any link sent before, including the one in the invitation email, stops working. "
        "The link is shown only once."
    )
    danger = False
    service = staticmethod(services.copy_invitation_link)

    def done(self, target: Invitation, organization: Organization, outcome: Invitation) -> HttpResponse:
        return show_links(self.request, [outcome])


invitation_copy_link = organization_view(roles.MANAGE_MEMBERS)(CopyInvitationLink.as_view())
