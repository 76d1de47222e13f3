"""Domain errors raised by services; each carries the message a user should see."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    default_message = _("That change could not be made.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class LastOwnerError(DomainError):
    default_message = _(
        "An organization needs at least one Organization Owner. Promote another member to Organization Owner first."
    )


class SelfRoleChangeError(DomainError):
    default_message = _(
        "You cannot change your own Organization Role. Another Organization Owner can change it, "
        "or you can leave the organization."
    )


class DuplicateNameError(DomainError):
    default_message = _("A project with that name already exists in this organization.")


class InvitationLimitError(DomainError):
    default_message = _("You have reached the limit of invitations that can be sent today. Try again tomorrow.")


class InvitationNotPendingError(DomainError):
    default_message = _("This invitation is no longer pending.")


class OwnerProjectAccessError(DomainError):
    """Project roles given to an Organization Owner (or an Owner invitation): they would mean nothing."""

    default_message = _(
        "Owners have every project as Project Admin, so an Organization Owner gets no Project Access. "
        "Set every project to No access, or choose Organization Member."
    )


class DisplayNameError(DomainError):
    """A display name the names rule refuses, or someone else's name."""

    default_message = _("That name cannot be used.")


class InvitationNotRenewableError(DomainError):
    default_message = _("This invitation did not expire and was not revoked: there is no new one to ask for.")


class NewInvitationAlreadyRequestedError(DomainError):
    default_message = _("You already asked for a new invitation. Try again tomorrow.")


class MembershipGoneError(DomainError):
    default_message = _("This person is no longer a member of the organization.")


class OrganizationNameMismatchError(DomainError):
    default_message = _("The name you typed is not the organization's name. Type it exactly as shown to delete it.")


class OrganizationGoneError(DomainError):
    default_message = _("This organization no longer exists.")


class ProjectGoneError(DomainError):
    default_message = _("This project no longer exists.")


class TransferTargetError(DomainError):
    default_message = _("Choose another Verified member of the organization to become its Organization Owner.")


class NotAnOwnerError(DomainError):
    default_message = _("Only an Organization Owner can transfer ownership.")


class InvitationError(DomainError):
    """An invitation link that cannot be used. The subclasses are data: what went wrong and the message
    that says so; ``members.views.invitations.render_invitation_error`` picks the page's status and title."""

    default_message = _("This invitation can no longer be used.")

    def __init__(self, message: str | None = None, *, invitation: object | None = None) -> None:
        self.invitation = invitation
        if message is None:
            message = str(self.default_message)
            if "%(" in message:
                # The messages name who to ask; without the invitation fall back to the generic text.
                message = (
                    message % _invitation_names(invitation) if invitation else str(InvitationError.default_message)
                )
        super().__init__(message)


def _invitation_names(invitation: object) -> dict[str, str]:
    inviter = getattr(invitation, "invited_by", None)
    return {
        "inviter": inviter.display_name if inviter else str(_("an Organization Owner")),
        "organization": invitation.organization.name,  # type: ignore[attr-defined]
        "email": invitation.email,  # type: ignore[attr-defined]
    }


class InvitationInvalidError(InvitationError):
    default_message = _(
        "This invitation link is not valid. Check that you opened the whole link from the invitation email, "
        "or ask the person who invited you to send it again."
    )


class InvitationExpiredError(InvitationError):
    default_message = _(
        "This invitation has expired. Ask %(inviter)s or another Organization Owner of %(organization)s to resend it."
    )


class InvitationRevokedError(InvitationError):
    default_message = _(
        "This invitation was revoked. Ask %(inviter)s or another Organization Owner of %(organization)s "
        "if you should still have access."
    )


class InvitationAlreadyUsedError(InvitationError):
    default_message = _("This invitation has already been accepted. Sign in with %(email)s to open %(organization)s.")


class InvitationDeclinedError(InvitationError):
    default_message = _(
        "This invitation was declined. Ask %(inviter)s or another Organization Owner of %(organization)s "
        "to invite you again."
    )


class InvitationSupersededError(InvitationError):
    default_message = _(
        "This link was replaced by a newer invitation email to %(email)s. Use the link in the most recent email, "
        "or ask %(inviter)s to resend it."
    )


class InvitationWrongAccountError(InvitationError):
    default_message = _(
        "This invitation was sent to %(email)s, which is not a verified email address of the account you are "
        "signed in with."
    )


class StaleRowError(Http404):
    """The row a Members dialog was opened for is gone (someone else acted first): a 404 whose page, or
    dialog with htmx, says what happened, links back to the Members page and refreshes its table."""

    status = 404
    title = _("No longer there")

    def __init__(self, message: str, *, members_url: str) -> None:
        super().__init__(message)
        self.message = message
        self.members_url = members_url


class RowConflictError(StaleRowError):
    """The row is still there but no longer in the state the dialog acts on (an invitation already
    revoked, accepted or declined): a 409."""

    status = 409
    title = _("Already changed")
