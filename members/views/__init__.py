"""Thin HTTP layer, one module per page: validate with a form, call one service, flash a message, redirect."""

from members.views.activity import activity, activity_event, activity_export
from members.views.api_tokens import api_token_revoke, api_tokens
from members.views.bulk import members_bulk
from members.views.bulk_invite import invite_csv, invite_csv_template
from members.views.edit_access import invitation_edit, member_edit_role
from members.views.exports import members_export
from members.views.invitation_links import invitation_copy_link
from members.views.invitations import (
    invitation_accept,
    invitation_ask_again,
    invitation_decline,
    invitation_join,
    invitation_open,
    invitation_switch_account,
)
from members.views.members import invitation_resend, invitation_revoke, invite, member_remove, members
from members.views.organization import billing, home, leave_organization, organization_create, organization_settings
from members.views.projects import project_create, project_rename, projects

__all__ = [
    "activity",
    "activity_event",
    "activity_export",
    "api_token_revoke",
    "api_tokens",
    "billing",
    "home",
    "invitation_accept",
    "invitation_ask_again",
    "invitation_copy_link",
    "invitation_decline",
    "invitation_edit",
    "invitation_join",
    "invitation_open",
    "invitation_resend",
    "invitation_revoke",
    "invitation_switch_account",
    "invite",
    "invite_csv",
    "invite_csv_template",
    "leave_organization",
    "member_edit_role",
    "member_remove",
    "members",
    "members_bulk",
    "members_export",
    "organization_create",
    "organization_settings",
    "project_create",
    "project_rename",
    "projects",
]
