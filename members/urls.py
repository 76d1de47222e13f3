"""The console's pages. Everything about one organization sits under ``o/<org_slug>/``, grouped by page; the
groups are included without a namespace of their own, so every name stays ``members:<name>``."""

from django.urls import include, path

from members import views
from members.views import lifecycle
from members.views import security as security_views

app_name = "members"

# Invitation acceptance: not organization-scoped. join/ routes come before the token route.
invitation_link = [
    path("join/", views.invitation_join, name="invitation_join"),
    path("join/accept/", views.invitation_accept, name="invitation_accept"),
    path("join/decline/", views.invitation_decline, name="invitation_decline"),
    path("join/switch-account/", views.invitation_switch_account, name="invitation_switch_account"),
    path("ask-again/", views.invitation_ask_again, name="invitation_ask_again"),
    path("<str:token>/", views.invitation_open, name="invitation_open"),
]

members_page = [
    path("", views.members, name="members"),
    path("invite/", views.invite, name="invite"),
    path("invite/csv/", views.invite_csv, name="invite_csv"),
    path("invite/csv/template/", views.invite_csv_template, name="invite_csv_template"),
    path("export/", views.members_export, name="members_export"),
    path("bulk/", views.members_bulk, name="members_bulk"),
    path("<int:membership_id>/role/", views.member_edit_role, name="member_edit_role"),
    path("<int:membership_id>/remove/", views.member_remove, name="member_remove"),
]

# The Members page's dialogs on a pending invitation's row.
invitation_rows = [
    path("edit/", views.invitation_edit, name="invitation_edit"),
    path("resend/", views.invitation_resend, name="invitation_resend"),
    path("link/", views.invitation_copy_link, name="invitation_copy_link"),
    path("revoke/", views.invitation_revoke, name="invitation_revoke"),
]

projects_page = [
    path("", views.projects, name="projects"),
    path("new/", views.project_create, name="project_create"),
    path("<int:project_id>/rename/", views.project_rename, name="project_rename"),
    path("<int:project_id>/delete/", lifecycle.project_delete, name="project_delete"),
]

settings_page = [
    path("", views.organization_settings, name="settings"),
    path("two-factor/", security_views.two_factor_requirement, name="two_factor_requirement"),
    path("delete/", lifecycle.organization_delete, name="organization_delete"),
]

activity_page = [
    path("", views.activity, name="activity"),
    path("export/", views.activity_export, name="activity_export"),
    path("<int:event_id>/", views.activity_event, name="activity_event"),
]

organization = [
    path("members/", include(members_page)),
    path("invitations/<int:invitation_id>/", include(invitation_rows)),
    path("projects/", include(projects_page)),
    path("settings/", include(settings_page)),
    path("billing/", views.billing, name="billing"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("leave/", views.leave_organization, name="leave"),
    path("leave/transfer/", lifecycle.transfer_ownership, name="transfer_ownership"),
    path("activity/", include(activity_page)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("invitations/", include(invitation_link)),
    path("o/<slug:org_slug>/", include(organization)),
]
