from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.home, name="home"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("o/<slug:org_slug>/members/", views.members, name="members"),
    path("o/<slug:org_slug>/projects/", views.projects, name="projects"),
    path("o/<slug:org_slug>/projects/new/", views.project_create, name="project_create"),
    path("o/<slug:org_slug>/projects/<int:project_id>/rename/", views.project_rename, name="project_rename"),
    path("o/<slug:org_slug>/settings/", views.organization_settings, name="settings"),
    path("o/<slug:org_slug>/billing/", views.billing, name="billing"),
    path("o/<slug:org_slug>/leave/", views.leave_organization, name="leave"),
]
