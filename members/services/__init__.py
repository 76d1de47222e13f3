"""Every write OrgConsole makes, one module per aggregate. Each service is atomic, takes the object it
acts on first, keyword-only arguments after it with a required ``actor``, locks what its decision
depends on, records an audit event in the same transaction and raises a ``DomainError`` with a
user-facing message when it refuses. Callers use ``from members import services``.
"""

from members.services.acceptance import AcceptResult, accept_invitation, decline_invitation
from members.services.accounts import change_display_name, record_account_event
from members.services.audit import purge_expired_events, record_export, record_refused_request
from members.services.bulk import BulkAction, BulkResult, bulk_action, invite_from_file
from members.services.deletion import delete_organization, delete_project, purge_deleted_organizations
from members.services.invitations import (
    InviteResult,
    copy_invitation_link,
    invite_members,
    resend_invitation,
    revoke_invitation,
)
from members.services.memberships import change_member_role, end_sent_invitations, leave_organization, remove_member
from members.services.organizations import (
    create_organization,
    create_project,
    rename_project,
    update_billing,
    update_organization_settings,
)
from members.services.ownership import transfer_ownership
from members.services.project_access import (
    AccessChange,
    edit_invitation,
    edit_member_access,
    set_invitation_project_role,
    set_project_access,
)
from members.services.renewals import ask_for_new_invitation, may_ask_again_at
from members.services.tokens import CreatedToken, create_api_token, revoke_api_token

__all__ = [
    "AcceptResult",
    "AccessChange",
    "BulkAction",
    "BulkResult",
    "CreatedToken",
    "InviteResult",
    "accept_invitation",
    "ask_for_new_invitation",
    "bulk_action",
    "change_display_name",
    "change_member_role",
    "copy_invitation_link",
    "create_api_token",
    "create_organization",
    "create_project",
    "decline_invitation",
    "delete_organization",
    "delete_project",
    "edit_invitation",
    "edit_member_access",
    "end_sent_invitations",
    "invite_from_file",
    "invite_members",
    "leave_organization",
    "may_ask_again_at",
    "purge_deleted_organizations",
    "purge_expired_events",
    "record_account_event",
    "record_export",
    "record_refused_request",
    "remove_member",
    "rename_project",
    "resend_invitation",
    "revoke_api_token",
    "revoke_invitation",
    "set_invitation_project_role",
    "set_project_access",
    "transfer_ownership",
    "update_billing",
    "update_organization_settings",
]
