"""Domain errors raised by services; each carries the message a user should see."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    default_message = _("That change could not be made.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class LastOwnerError(DomainError):
    default_message = _(
        "An organization needs at least one Organization Owner. Promote another member to "
        "Organization Owner first."
    )


class DuplicateNameError(DomainError):
    default_message = _("A project with that name already exists in this organization.")


class InvitationLimitError(DomainError):
    default_message = _("You have reached the limit of invitations that can be sent today. Try again tomorrow.")


class InvitationNotPendingError(DomainError):
    default_message = _("This invitation is no longer pending.")


class MembershipGoneError(DomainError):
    default_message = _("This person is no longer a member of the organization.")
