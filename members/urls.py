from django.urls import path

from members import views
from members.views import lifecycle
from members.views import security as security_views

app_name = "members"

urlpatterns = [
    path("", views.home, name="home"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    # Invitation acceptance: not organization-scoped. join/ routes come before the token route.
    path("invitations/join/", views.invitation_join, name="invitation_join"),
    path("invitations/join/accept/", views.invitation_accept, name="invitation_accept"),
    path("invitations/join/decline/", views.invitation_decline, name="invitation_decline"),
    path("invitations/join/switch-account/", views.invitation_switch_account, name="invitation_switch_account"),
    path("invitations/ask-again/", views.invitation_ask_again, name="invitation_ask_again"),
    path("invitations/<str:token>/", views.invitation_open, name="invitation_open"),
    path("o/<slug:org_slug>/members/", views.members, name="members"),
    path("o/<slug:org_slug>/members/invite/", views.invite, name="invite"),
    path("o/<slug:org_slug>/members/export/", views.members_export, name="members_export"),
    path("o/<slug:org_slug>/members/bulk/", views.members_bulk, name="members_bulk"),
    path("o/<slug:org_slug>/members/invite/csv/", views.invite_csv, name="invite_csv"),
    path("o/<slug:org_slug>/members/invite/csv/template/", views.invite_csv_template, name="invite_csv_template"),
    path(
        "o/<slug:org_slug>/members/<int:membership_id>/role/",
        views.member_edit_role,
        name="member_edit_role",
    ),
    path("o/<slug:org_slug>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("o/<slug:org_slug>/invitations/<int:invitation_id>/edit/", views.invitation_edit, name="invitation_edit"),
    path(
        "o/<slug:org_slug>/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "o/<slug:org_slug>/invitations/<int:invitation_id>/link/",
        views.invitation_copy_link,
        name="invitation_copy_link",
    ),
    path(
        "o/<slug:org_slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("o/<slug:org_slug>/projects/", views.projects, name="projects"),
    path("o/<slug:org_slug>/projects/new/", views.project_create, name="project_create"),
    path("o/<slug:org_slug>/projects/<int:project_id>/rename/", views.project_rename, name="project_rename"),
    path("o/<slug:org_slug>/projects/<int:project_id>/delete/", lifecycle.project_delete, name="project_delete"),
    path("o/<slug:org_slug>/settings/", views.organization_settings, name="settings"),
    path(
        "o/<slug:org_slug>/settings/two-factor/",
        security_views.two_factor_requirement,
        name="two_factor_requirement",
    ),
    path("o/<slug:org_slug>/settings/delete/", lifecycle.organization_delete, name="organization_delete"),
    path("o/<slug:org_slug>/billing/", views.billing, name="billing"),
    path("o/<slug:org_slug>/api-tokens/", views.api_tokens, name="api_tokens"),
    path("o/<slug:org_slug>/api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("o/<slug:org_slug>/leave/", views.leave_organization, name="leave"),
    path("o/<slug:org_slug>/leave/transfer/", lifecycle.transfer_ownership, name="transfer_ownership"),
    path("o/<slug:org_slug>/activity/", views.activity, name="activity"),
    path("o/<slug:org_slug>/activity/export/", views.activity_export, name="activity_export"),
    path("o/<slug:org_slug>/activity/<int:event_id>/", views.activity_event, name="activity_event"),
]
